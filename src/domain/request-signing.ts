import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The name of the signing scheme: the first line of every string to sign. */
export const SIGNATURE_SCHEME = 'YF1-HMAC-SHA256';

/** What a signature covers: everything about a request an attacker would change. */
export interface RequestToSign {
  /** The HTTP method, e.g. `POST` (`GET` for a WebSocket's upgrade). */
  method: string;
  /** The path as sent, without the query string, e.g. `/graphql`. */
  path: string;
  /** The query string as sent, without the `?` (empty when there is none). */
  query: string;
  /** The key's display prefix (its first 12 characters, e.g. `yf_live_3kQ9`). */
  keyPrefix: string;
  /** Unix seconds, as sent in `x-yf-timestamp`. */
  timestamp: string;
  /** The raw body (empty for GET and for `connection_init`). */
  body: Buffer | string;
}

/**
 * The string a client signs, one part per line:
 *
 *     YF1-HMAC-SHA256
 *     POST
 *     /graphql
 *     <query string, or an empty line>
 *     yf_live_3kQ9
 *     1767225600
 *     <lowercase hex SHA-256 of the raw body>
 *
 * The method and path are taken as the gateway receives them (the method upper-cased),
 * the query string byte for byte.
 */
export function stringToSign(request: RequestToSign): string {
  return [
    SIGNATURE_SCHEME,
    request.method.toUpperCase(),
    request.path,
    request.query,
    request.keyPrefix,
    request.timestamp,
    createHash('sha256').update(request.body).digest('hex'),
  ].join('\n');
}

/** The signature of a request: lowercase hex HMAC-SHA256 of its string to sign. */
export function signRequest(signingSecret: string, request: RequestToSign): string {
  return createHmac('sha256', signingSecret).update(stringToSign(request)).digest('hex');
}

/** Whether `signature` (hex, any case) is the request's, compared in constant time. */
export function signatureMatches(
  signingSecret: string,
  request: RequestToSign,
  signature: string,
): boolean {
  if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = Buffer.from(signRequest(signingSecret, request), 'hex');
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
}

/** Splits a request target (`/graphql?x=1`) into the path and query string to sign. */
export function targetParts(url: string | undefined): { path: string; query: string } {
  const target = url ?? '/';
  const mark = target.indexOf('?');
  return mark === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, mark), query: target.slice(mark + 1) };
}
