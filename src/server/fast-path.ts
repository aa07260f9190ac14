import type { RateDecision } from '../datasources/cache/rate-limiter';
import type { Viewer } from '../domain/viewer';
import type { Exchange, HttpHandlerOptions } from './http';
import { clientIp, graphQLMediaType, headerValue, sendGraphQLError } from './http-util';
import { RESPONSE_CACHE_HEADER, type CachedAnswer } from './response-cache';

/** The response cache's entry for a request body, and who asked. */
export interface CachedLookup {
  viewer: Viewer;
  /** The client's address (TRUSTED_PROXIES). */
  ip: string;
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
  const ip = clientIp(req, config.trustedProxies);
  const viewer = services.admission.cachedViewer(apiKey, ip);
  if (!viewer) return undefined;
  const requestKey = services.responseCache.requestKey(text, viewer);
  return { viewer, ip, requestKey, cached: services.responseCache.get(requestKey) };
}

/**
 * Spends one request of the caller's limits (the admission service decides whose: its
 * account's, a key's own, an address group's). In-process limits decide without a promise.
 */
export function spend(
  viewer: Viewer | null | undefined,
  { services }: HttpHandlerOptions,
  ip: string,
): RateDecision | Promise<RateDecision> {
  return services.admission.spend(viewer, ip);
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
  ip: string,
  { services }: HttpHandlerOptions,
): boolean {
  res.setHeader('x-ratelimit-limit', String(decision.limit));
  res.setHeader('x-ratelimit-remaining', String(decision.remaining));
  res.setHeader('x-ratelimit-reset', String(decision.resetSeconds));
  if (decision.allowed) return true;
  const refusal = services.admission.refusal(decision, viewer, operationName, ip);
  res.setHeader('retry-after', String(refusal.retryAfter));
  sendGraphQLError(res, 429, refusal.code, refusal.message, { retryAfter: refusal.retryAfter });
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
