import { HeaderMap } from '@apollo/server';
import { createContext, type Context } from '../context';
import { HTTP_STATUS } from '../errors/codes';
import { RateLimitedError, ServiceUnavailableError, YieldflowError } from '../errors/errors';
import { isDatabaseUnavailable } from '../datasources/database/unavailable';
import { jsonDepthWithin, MAX_JSON_DEPTH } from './json-depth';
import { requestStats } from '../observability/request-stats';
import { applyCors } from './cors';
import type { RateDecision } from '../datasources/cache/rate-limiter';
import { admitted, lookUpCached, sendCached, spend, type CachedLookup } from './fast-path';
import type { Exchange, HttpHandlerOptions } from './http';
import { serveImport, type PreparedBody } from './import-route';
import {
  BodyTooLargeError,
  clientIp,
  headerValue,
  readBody,
  sendGraphQLError,
  sendServiceUnavailable,
} from './http-util';
import { targetParts } from '../domain/request-signing';

/** Largest GraphQL document accepted, in bytes. */
export const MAX_DOCUMENT_BYTES = 100 * 1024;

/**
 * Largest body of a request without credentials (`register`, `login`, `refreshToken`,
 * `plans` and introspection need far less): little work for anyone before they are known.
 */
export const ANONYMOUS_BODY_BYTES = 16 * 1024;

/**
 * What a request sent: the body as bytes and text (empty for GET), whether JSON, and
 * for a CSV upload the GraphQL request it stands for.
 */
interface Sent {
  raw: Buffer;
  text: string;
  json: boolean;
  prepared?: PreparedBody;
}

const NOTHING_SENT: Sent = { raw: Buffer.alloc(0), text: '', json: false };

/**
 * GraphQL over HTTP at /graphql (GET and POST). A POSTed body seen in the last second
 * from a cached API key with the same entitlements is answered from the response
 * cache as soon as it has arrived, synchronously when limits are in-process; anything
 * else goes through authentication, limits and Apollo.
 */
export function serveGraphQL(exchange: Exchange, options: HttpHandlerOptions): void {
  const { req, res } = exchange;
  if (applyCors(req, res, options.config.corsOrigins)) return;
  if (req.method !== 'POST') {
    answer(exchange, NOTHING_SENT, options).catch(exchange.fail);
    return;
  }
  const anonymous =
    req.headers['x-api-key'] === undefined && req.headers.authorization === undefined;
  const limit = anonymous ? ANONYMOUS_BODY_BYTES : options.config.maxBodyBytes;
  readBody(req, limit, (error, raw) => {
    // This runs in the request's 'end' event: a throw here would reach no promise.
    try {
      received(exchange, options, error, raw);
    } catch (thrown) {
      exchange.fail(thrown as Error);
    }
  });
}

/** A CSV upload (import-route.ts), answered as the GraphQL import it stands for. */
export function serveImportUpload(exchange: Exchange, options: HttpHandlerOptions): void {
  if (applyCors(exchange.req, exchange.res, options.config.corsOrigins)) return;
  serveImport(exchange, options, (raw, prepared) => {
    answer(exchange, { raw, text: '', json: false, prepared }, options).catch(exchange.fail);
  });
}

/** A POSTed body has arrived (or failed): the fast path, else the general one. */
function received(
  exchange: Exchange,
  options: HttpHandlerOptions,
  error: Error | null,
  raw: Buffer | undefined,
): void {
  const { req, res } = exchange;
  if (error instanceof BodyTooLargeError) {
    options.services.admission.documentRefused(
      clientIp(req, options.config.trustedProxies),
      null,
      `body larger than ${error.limit} bytes`,
    );
    res.setHeader('connection', 'close');
    sendGraphQLError(
      res,
      413,
      'QUERY_TOO_COMPLEX',
      `Request body is larger than ${error.limit} bytes`,
    );
    return;
  }
  if (error) return exchange.fail(error);
  const contentType = headerValue(req, 'content-type') ?? '';
  const sent = {
    raw: raw!,
    text: raw!.toString('utf8'),
    json: contentType.startsWith('application/json'),
  };
  const fast = sent.json ? lookUpCached(exchange, sent.text, options) : undefined;
  if (!fast?.cached) {
    answer(exchange, sent, options, fast).catch(exchange.fail);
    return;
  }
  const { viewer, cached } = fast;
  const serve = (decision: RateDecision) => {
    if (admitted(exchange, decision, viewer, cached.operationName, fast.ip, options)) {
      sendCached(exchange, viewer, cached, options);
    }
  };
  const blocked = options.services.admission.screen(fast.ip, viewer);
  if (blocked instanceof Promise) {
    // Blocks in Redis: read alongside the limits, so a cached answer stays one round trip.
    Promise.all([blocked, spend(viewer, options, fast.ip)])
      .then(([refusal, decision]) => (refusal ? refuse(res, refusal) : serve(decision)))
      .catch(exchange.fail);
    return;
  }
  if (blocked) return refuse(res, blocked);
  const decision = spend(viewer, options, fast.ip);
  if (decision instanceof Promise) decision.then(serve).catch(exchange.fail);
  else serve(decision);
}

/** Answers a refusal with its code's status; anything else is not a refusal. */
function refuse(res: Exchange['res'], error: unknown): void {
  if (error instanceof RateLimitedError) {
    res.setHeader('retry-after', String(error.retryAfter));
    return sendGraphQLError(res, 429, error.code, error.message, {
      retryAfter: error.retryAfter,
    });
  }
  if (error instanceof ServiceUnavailableError || isDatabaseUnavailable(error)) {
    return sendServiceUnavailable(res);
  }
  if (error instanceof YieldflowError) {
    return sendGraphQLError(res, HTTP_STATUS[error.code], error.code, error.message);
  }
  throw error;
}

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
 * The general path: parse, check size and shape, authenticate, spend limits, then the
 * response cache or Apollo. `missed` is the fast path's lookup when it found the
 * caller's key cached but no answer: its viewer and request key serve here too.
 */
async function answer(
  exchange: Exchange,
  sent: Sent,
  options: HttpHandlerOptions,
  missed?: CachedLookup,
): Promise<void> {
  const { req, res, requestId } = exchange;
  const { services } = options;
  let body: unknown = sent.prepared ?? (req.method === 'POST' ? sent.text : undefined);
  if (sent.json) {
    if (!jsonDepthWithin(sent.text)) {
      return sendGraphQLError(
        res,
        400,
        'BAD_USER_INPUT',
        `Request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    try {
      body = JSON.parse(sent.text);
    } catch {
      return sendGraphQLError(res, 400, 'BAD_USER_INPUT', 'Request body is not valid JSON');
    }
  }

  // The GraphQL document itself is capped at 100 KB (variables, such as an import's CSV,
  // may be larger, up to MAX_BODY_BYTES).
  const document =
    typeof (body as { query?: unknown } | undefined)?.query === 'string'
      ? (body as { query: string }).query
      : (new URL(req.url ?? '/', 'http://localhost').searchParams.get('query') ?? '');
  if (Buffer.byteLength(document) > MAX_DOCUMENT_BYTES) {
    services.admission.documentRefused(
      clientIp(req, options.config.trustedProxies),
      missed?.viewer,
      `document larger than ${MAX_DOCUMENT_BYTES} bytes`,
    );
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

  const ip = clientIp(req, options.config.trustedProxies);
  const apiKey = headerValue(req, 'x-api-key');
  let viewer: Context['viewer'];
  try {
    viewer =
      missed?.viewer ??
      (await services.admission.identify({
        apiKey,
        authorization: headerValue(req, 'authorization'),
        ip,
      }));
  } catch (error) {
    services.database.report(error);
    return refuse(res, error);
  }
  if (missed) {
    // The fast path found the viewer in the key cache: identify did not screen it.
    const blocked = await services.admission.screen(ip, viewer);
    if (blocked) return refuse(res, blocked);
  }

  const decision = await spend(viewer, options, ip);
  if (!admitted(exchange, decision, viewer, operationNameOf(body), ip, options)) return;
  // Signatures are checked once the request is within its limits: the replay guard
  // remembers each one it accepts, so a flood past the limits must not reach it.
  if (viewer && apiKey && viewer.requireSignature) {
    try {
      await services.admission.verifySignature(
        viewer,
        apiKey,
        {
          timestamp: headerValue(req, 'x-yf-timestamp'),
          signature: headerValue(req, 'x-yf-signature'),
          method: req.method ?? 'GET',
          ...targetParts(req.url),
          body: sent.raw,
        },
        ip,
      );
    } catch (error) {
      return refuse(res, error);
    }
  }

  // Callers the fast path could not look up (access tokens, a key's first request in a
  // while) are looked up here; it already missed the others.
  const requestKey =
    viewer && isJsonRequest(body) && !sent.prepared
      ? (missed?.requestKey ?? services.responseCache.requestKey(sent.text, viewer))
      : undefined;
  if (viewer && requestKey !== undefined && !missed) {
    const cached = services.responseCache.get(requestKey);
    if (cached) return sendCached(exchange, viewer, cached, options);
  }

  const context = createContext({
    ip,
    requestId,
    logger: viewer ? exchange.log().child({ userId: viewer.userId }) : exchange.log(),
    viewer,
    services,
  });
  context.stats.requestKey = requestKey;

  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  // An upload's body is handed to Apollo as the JSON request it stands for.
  if (sent.prepared) headers.set('content-type', 'application/json');
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
