import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Applies the CORS allow-list. Returns true when the request was a preflight and has
 * been answered. Origins not on the list get no CORS headers, so browsers refuse them.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: string[]): boolean {
  const origin = req.headers.origin;
  const allowAll = allowed.includes('*');
  if (origin && (allowAll || allowed.includes(origin))) {
    res.setHeader('access-control-allow-origin', allowAll ? '*' : origin);
    res.setHeader(
      'access-control-expose-headers',
      'x-request-id, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after',
    );
    if (!allowAll) res.setHeader('vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (origin && (allowAll || allowed.includes(origin))) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      'content-type, authorization, x-api-key, x-request-id, apollo-require-preflight, x-yf-timestamp, x-yf-signature',
    );
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}
