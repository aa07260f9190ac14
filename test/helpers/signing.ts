import { createHash, createHmac } from 'node:crypto';

/**
 * Signs a request as docs/signing.md tells a client to, written from the document and
 * not from the gateway's code: one part per line (scheme, method, path, query string,
 * key prefix, timestamp, hex SHA-256 of the body), HMAC-SHA256 with the signing secret.
 */
export function signAsClient(
  signingSecret: string,
  request: {
    method: string;
    /** The request target as sent: path and query string, e.g. `/graphql?query=…`. */
    target: string;
    keyPrefix: string;
    timestamp: number | string;
    body?: string;
  },
): string {
  const [path, query = ''] = request.target.split(/\?(.*)/s);
  const lines = [
    'YF1-HMAC-SHA256',
    request.method,
    path,
    query,
    request.keyPrefix,
    String(request.timestamp),
    createHash('sha256')
      .update(request.body ?? '')
      .digest('hex'),
  ];
  return createHmac('sha256', signingSecret).update(lines.join('\n')).digest('hex');
}

/** Unix seconds now. */
export const unixNow = (): number => Math.floor(Date.now() / 1_000);
