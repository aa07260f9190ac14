import type { RateDecision } from '../datasources/cache/rate-limiter';
import { addressGroup } from '../domain/client-address';
import { limitSubject, type Viewer } from '../domain/viewer';
import type { Exchange, HttpHandlerOptions } from './http';
import { clientIp, graphQLMediaType, headerValue, sendGraphQLError } from './http-util';
import { RESPONSE_CACHE_HEADER, type CachedAnswer } from './response-cache';

/** The response cache's entry for a request body, and who asked. */
export interface CachedLookup {
  viewer: Viewer;
  requestKey: string;
  /** Unset on a miss. */
  cached?: CachedAnswer;
}

/**
 * Looks a request body up in the response cache before anything is parsed, when the
 * request's API key is in the key cache; undefined otherwise (the general path then
 * authenticates, with the errors that gives).
 */
export function lookUpCached(
  { req }: Exchange,
  text: string,
  { services, config }: HttpHandlerOptions,
): CachedLookup | undefined {
  const apiKey = headerValue(req, 'x-api-key');
  if (apiKey === undefined) return undefined;
  const viewer = services.auth.cachedApiKeyViewer(apiKey, clientIp(req, config.trustedProxies));
  if (!viewer) return undefined;
  const requestKey = services.responseCache.requestKey(text, viewer);
  return { viewer, requestKey, cached: services.responseCache.get(requestKey) };
}

/**
 * Spends one request of the caller's limits: per key, per user for access tokens, per
 * address for anonymous calls (IPv6 addresses per /64). In-process limits decide without a promise.
 */
export function spend(
  viewer: Viewer | null | undefined,
  { services }: HttpHandlerOptions,
  ip?: string,
): RateDecision | Promise<RateDecision> {
  const plan = services.plans[viewer?.plan ?? 'FREE'];
  return services.rateLimiter.consume(
    viewer ? limitSubject(viewer) : `ip:${addressGroup(ip ?? '')}`,
    {
      perMinute: plan.requestsPerMinute,
      perDay: plan.requestsPerDay,
    },
  );
}

/**
 * Sets the X-RateLimit headers; true when the request may go on. A refused one is
 * answered 429 with Retry-After, and metered as RATE_LIMITED.
 */
export function admitted(
  { res }: Exchange,
  decision: RateDecision,
  viewer: Viewer | null | undefined,
  operationName: string | null | undefined,
  { services }: HttpHandlerOptions,
): boolean {
  res.setHeader('x-ratelimit-limit', String(decision.limit));
  res.setHeader('x-ratelimit-remaining', String(decision.remaining));
  res.setHeader('x-ratelimit-reset', String(decision.resetSeconds));
  if (decision.allowed) return true;
  if (viewer) {
    services.usageRecorder.recordRequest(viewer, {
      operationName,
      cost: 0,
      status: 'RATE_LIMITED',
      durationMs: 0,
      cacheHits: 0,
    });
  }
  const plan = services.plans[viewer?.plan ?? 'FREE'];
  res.setHeader('retry-after', String(decision.retryAfterSeconds));
  sendGraphQLError(
    res,
    429,
    'RATE_LIMITED',
    `Rate limit of the ${plan.name} plan reached; retry after ${decision.retryAfterSeconds} s`,
    { retryAfter: decision.retryAfterSeconds },
  );
  return false;
}

/** Answers with a kept answer's bytes, and meters the request. */
export function sendCached(
  { req, res, started }: Exchange,
  viewer: Viewer,
  cached: CachedAnswer,
  { services }: HttpHandlerOptions,
): void {
  res.writeHead(200, {
    'content-type': graphQLMediaType(req),
    'content-length': cached.body.length,
    [RESPONSE_CACHE_HEADER]: 'HIT',
  });
  res.end(cached.body);
  services.usageRecorder.recordRequest(viewer, {
    operationName: cached.operationName,
    cost: cached.cost,
    status: 'OK',
    durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
    cacheHits: 0,
  });
}
