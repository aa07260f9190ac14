import type { IncomingMessage, ServerResponse } from 'node:http';
import { CidrList, clientAddress } from '../domain/client-address';
import type { ErrorCode } from '../errors/codes';
import { ServiceUnavailableError } from '../errors/errors';

/** Writes a JSON body with the given status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/** The q value an Accept header gives `type` (0 when it does not accept it). */
function qualityOf(accept: string, type: string): number {
  let best = 0;
  let specificity = -1;
  for (const range of accept.split(',')) {
    const [name, ...params] = range.trim().toLowerCase().split(';');
    const matches = name === type ? 2 : name === 'application/*' ? 1 : name === '*/*' ? 0 : -1;
    if (matches <= specificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    specificity = matches;
    best = q ? Number(q.slice(2)) || 0 : 1;
  }
  return best;
}

/**
 * The media type of a GraphQL answer: application/graphql-response+json when the
 * request's Accept prefers it (GraphQL over HTTP), else application/json, which is also
 * what a request without Accept gets (as Apollo answers it).
 */
export function graphQLMediaType(req: IncomingMessage | undefined): string {
  const accept = req?.headers.accept;
  // The fast path answers most requests: no Accept, or one without the newer type.
  if (!accept || !accept.includes('graphql-response+json')) return JSON_TYPE;
  const preferred =
    qualityOf(accept, 'application/graphql-response+json') >= qualityOf(accept, 'application/json');
  return preferred ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE;
}

/**
 * Writes a GraphQL-shaped error response for a request refused before execution, in
 * the media type the request accepts.
 */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  sendJson(
    res,
    status,
    { errors: [{ message, extensions: { ...extensions, code } }] },
    { 'content-type': graphQLMediaType(res.req) },
  );
}

/**
 * 503 SERVICE_UNAVAILABLE with Retry-After: the gateway's own database did not answer
 * (the error that said so is logged by the caller, never shown).
 */
export function sendServiceUnavailable(res: ServerResponse): void {
  const error = new ServiceUnavailableError();
  res.setHeader('retry-after', String(error.retryAfter));
  sendGraphQLError(res, 503, error.code, error.message, { retryAfter: error.retryAfter });
}

/** Given to {@link readBody}'s callback when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * Reads the whole request body and calls back with it, or with an error as soon as it
 * passes `limit` bytes (a declared Content-Length over the limit is refused before
 * reading). A callback, not a promise: on the HTTP fast path a promise and its await
 * cost more than everything else done between the last byte in and the answer out.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (error: Error | null, body?: Buffer) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    done(new BodyTooLargeError(limit));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      req.removeAllListeners('data');
      req.resume();
      finish(new BodyTooLargeError(limit));
      return;
    }
    chunks.push(chunk);
  });
  req.once('end', () => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  req.once('error', (error) => finish(error));
}

/** The first value of a header that may repeat. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const proxyLists = new WeakMap<readonly string[], CidrList>();

/**
 * The client's address: the socket's peer, or behind the `trustedProxies` (config's
 * TRUSTED_PROXIES) the right-most X-Forwarded-For hop that is not one of them. The same
 * rule for HTTP requests and WebSocket upgrades.
 */
export function clientIp(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustedProxies.length === 0) return peer;
  let trusted = proxyLists.get(trustedProxies);
  if (!trusted) proxyLists.set(trustedProxies, (trusted = new CidrList(trustedProxies)));
  return clientAddress(peer, headerValue(req, 'x-forwarded-for'), trusted);
}
