import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Config } from '../config/env.schema';
import { createContext, type Context } from '../context';
import { HTTP_STATUS } from '../errors/codes';
import { YieldflowError } from '../errors/errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { applyCors } from './cors';
import { runHealthChecks, type HealthCheck } from './health';
import { IDE_ASSET_PATH, Ide } from './ide';
import { RESPONSE_CACHE_HEADER } from './response-cache';
import { BodyTooLargeError, headerValue, readBody, sendGraphQLError, sendJson } from './http-util';
import { limitSubject } from '../domain/viewer';
import type { Services } from './services';
import { requestStats } from '../observability/request-stats';

/** A POSTed JSON body with a document (what the response cache's fast path looks up). */
function isJsonRequest(
  body: unknown,
): body is { query: string; operationName?: string | null; variables?: unknown } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { query?: unknown }).query === 'string'
  );
}

/** The operation name a request body gives, for metering requests refused before Apollo. */
function operationNameOf(body: unknown): string | undefined {
  const name = (body as { operationName?: unknown } | undefined)?.operationName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The client's address: the socket's peer, or with TRUST_PROXY the address the nearest
 * proxy saw (the last X-Forwarded-For entry it appended).
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? '';
  if (!trustProxy) return peer;
  const forwarded = headerValue(req, 'x-forwarded-for');
  const hops =
    forwarded
      ?.split(',')
      .map((h) => h.trim())
      .filter(Boolean) ?? [];
  return hops[hops.length - 1] ?? peer;
}

/** Counts requests in flight and says whether the server is draining. */
export interface Lifecycle {
  inFlight: number;
  draining: boolean;
  /** Called whenever a request finishes, so that shutdown can wait for the last one. */
  onIdle?: () => void;
}

/** What the HTTP handler needs. */
export interface HttpHandlerOptions {
  apollo: ApolloServer<Context>;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  services: Services;
  healthChecks: HealthCheck[];
  lifecycle: Lifecycle;
  ide: Ide;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Largest GraphQL document accepted, in bytes. */
export const MAX_DOCUMENT_BYTES = 100 * 1024;

/** Builds the `node:http` request listener: GraphQL at /graphql, plus health and metrics. */
export function createHttpHandler(options: HttpHandlerOptions) {
  const { lifecycle } = options;
  return (req: IncomingMessage, res: ServerResponse): void => {
    lifecycle.inFlight += 1;
    const started = process.hrtime.bigint();
    const incomingId = headerValue(req, 'x-request-id');
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const logger = options.logger.child({ reqId: requestId });
    res.setHeader('x-request-id', requestId);
    if (lifecycle.draining) res.setHeader('connection', 'close');
    const route = routeOf(req);
    res.on('close', () => {
      lifecycle.inFlight -= 1;
      options.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      if (route === 'graphql') {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info(
          { method: req.method, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
          'request',
        );
      }
      lifecycle.onIdle?.();
    });
    handle(route, { req, res, requestId, logger, started }, options).catch((error: Error) => {
      logger.error({ err: error }, 'request handler failed');
      if (!res.headersSent)
        sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  };
}

type Route = 'graphql' | 'ide' | 'favicon' | 'healthz' | 'readyz' | 'metrics' | 'unknown';

function routeOf(req: IncomingMessage): Route {
  const pathname = (req.url ?? '/').split('?')[0];
  if (pathname === '/graphql') return Ide.wants(req) ? 'ide' : 'graphql';
  if (pathname.startsWith(IDE_ASSET_PATH)) return 'ide';
  if (pathname === '/healthz') return 'healthz';
  if (pathname === '/readyz') return 'readyz';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/favicon.ico') return 'favicon';
  return 'unknown';
}

/** One HTTP request in flight, with its id and logger. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  logger: Logger;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
}

async function handle(
  route: Route,
  exchange: Exchange,
  options: HttpHandlerOptions,
): Promise<void> {
  const { res } = exchange;
  switch (route) {
    case 'healthz':
      return sendJson(res, 200, { status: 'ok' });
    case 'readyz':
      return readiness(res, options);
    case 'metrics': {
      const { contentType, body } = await options.metrics.render();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
      return;
    }
    case 'graphql':
      return graphql(exchange, options);
    case 'favicon':
      // Browsers ask; the IDE has none.
      res.writeHead(204, { 'cache-control': 'public, max-age=86400' });
      res.end();
      return;
    case 'ide':
      if (exchange.req.url?.startsWith(IDE_ASSET_PATH)) options.ide.asset(exchange.req, res);
      else options.ide.page(res);
      return;
    default:
      return sendJson(res, 404, {
        error: 'not found',
        routes: ['/graphql', '/healthz', '/readyz', '/metrics', IDE_ASSET_PATH],
      });
  }
}

async function readiness(res: ServerResponse, options: HttpHandlerOptions): Promise<void> {
  if (options.lifecycle.draining) {
    return sendJson(res, 503, { status: 'shutting down', down: ['server'] });
  }
  const result = await runHealthChecks(options.healthChecks);
  if (!result.ready) options.logger.warn({ checks: result.checks }, 'not ready');
  // Outside development the reason stays in the log: it can name hosts.
  const checks = options.config.isProduction
    ? Object.fromEntries(
        Object.entries(result.checks).map(([name, r]) => [name, { status: r.status }]),
      )
    : result.checks;
  sendJson(res, result.ready ? 200 : 503, {
    status: result.ready ? 'ready' : 'unavailable',
    down: result.down,
    checks,
  });
}

async function graphql(
  { req, res, requestId, logger, started }: Exchange,
  options: HttpHandlerOptions,
): Promise<void> {
  if (applyCors(req, res, options.config.corsOrigins)) return;

  let body: unknown = undefined;
  let raw: Buffer = Buffer.alloc(0);
  // The body decoded once: parsed below, and the response cache's key as sent.
  let text = '';
  if (req.method === 'POST') {
    try {
      raw = await readBody(req, options.config.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return sendGraphQLError(
          res,
          413,
          'QUERY_TOO_COMPLEX',
          `Request body is larger than ${error.limit} bytes`,
        );
      }
      throw error;
    }
    text = raw.toString('utf8');
    const contentType = headerValue(req, 'content-type') ?? '';
    if (contentType.startsWith('application/json')) {
      try {
        body = JSON.parse(text);
      } catch {
        return sendGraphQLError(res, 400, 'BAD_USER_INPUT', 'Request body is not valid JSON');
      }
    } else {
      body = text;
    }
  }

  // The GraphQL document itself is capped at 100 KB (variables, such as an import's CSV,
  // may be larger, up to MAX_BODY_BYTES).
  const document =
    typeof (body as { query?: unknown } | undefined)?.query === 'string'
      ? (body as { query: string }).query
      : (new URL(req.url ?? '/', 'http://localhost').searchParams.get('query') ?? '');
  if (Buffer.byteLength(document) > MAX_DOCUMENT_BYTES) {
    return sendGraphQLError(
      res,
      413,
      'QUERY_TOO_COMPLEX',
      `The GraphQL document is larger than ${MAX_DOCUMENT_BYTES} bytes`,
    );
  }

  if (Array.isArray(body)) {
    return sendGraphQLError(
      res,
      400,
      'BAD_USER_INPUT',
      'Batched requests are not accepted: send one operation per request',
    );
  }

  const { services } = options;
  const ip = clientIp(req, options.config.trustProxy);
  const apiKey = headerValue(req, 'x-api-key');
  let viewer: Context['viewer'];
  try {
    viewer = await services.auth.authenticate({
      apiKey,
      authorization: headerValue(req, 'authorization'),
      ip,
    });
    if (viewer && apiKey) {
      await services.auth.checkSignature(viewer, apiKey, {
        timestamp: headerValue(req, 'x-yf-timestamp'),
        signature: headerValue(req, 'x-yf-signature'),
        rawBody: raw,
      });
    }
  } catch (error) {
    if (error instanceof YieldflowError) {
      return sendGraphQLError(res, HTTP_STATUS[error.code], error.code, error.message);
    }
    throw error;
  }

  // Limits per key (per user for JWT sessions, per address for anonymous calls).
  const plan = services.plans[viewer?.plan ?? 'FREE'];
  const subject = viewer ? limitSubject(viewer) : `ip:${ip}`;
  const decision = await services.rateLimiter.consume(subject, {
    perMinute: plan.requestsPerMinute,
    perDay: plan.requestsPerDay,
  });
  res.setHeader('x-ratelimit-limit', String(decision.limit));
  res.setHeader('x-ratelimit-remaining', String(decision.remaining));
  res.setHeader('x-ratelimit-reset', String(decision.resetSeconds));
  if (!decision.allowed) {
    if (viewer) {
      services.usageRecorder.recordRequest(viewer, {
        operationName: operationNameOf(body),
        cost: 0,
        status: 'RATE_LIMITED',
        durationMs: 0,
        cacheHits: 0,
      });
    }
    res.setHeader('retry-after', String(decision.retryAfterSeconds));
    return sendGraphQLError(
      res,
      429,
      'RATE_LIMITED',
      `Rate limit of the ${plan.name} plan reached; retry after ${decision.retryAfterSeconds} s`,
      { retryAfter: decision.retryAfterSeconds },
    );
  }

  // The fast path: the same request body as one answered in the last second, from a
  // caller with the same entitlements, gets the same bytes; nothing is parsed or run.
  const requestKey =
    viewer && isJsonRequest(body) ? services.responseCache.requestKey(text, viewer) : undefined;
  if (viewer && requestKey !== undefined) {
    const cached = services.responseCache.get(requestKey);
    if (cached) {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': cached.body.length,
        [RESPONSE_CACHE_HEADER]: 'HIT',
      });
      res.end(cached.body);
      services.usageRecorder.recordRequest(viewer, {
        operationName: operationNameOf(body),
        cost: cached.cost,
        status: 'OK',
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        cacheHits: 0,
      });
      return;
    }
  }

  const context = createContext({
    ip,
    requestId,
    logger: viewer ? logger.child({ userId: viewer.userId }) : logger,
    viewer,
    services: options.services,
  });
  context.stats.requestKey = requestKey;

  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await requestStats.run(context.stats, () =>
    options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method ?? 'GET',
        headers,
        search: new URL(req.url ?? '/', 'http://localhost').search,
        body,
      },
      context: async () => context,
    }),
  );
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
