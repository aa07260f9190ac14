import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics';
import { headerValue, sendJson } from './http-util';

/** How `/metrics` is guarded. */
export interface MetricsRouteOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, only `Authorization: Bearer <token>` is answered. */
  token?: string;
}

/** The stable code of a refused scrape (HTTP 401). */
export const METRICS_UNAUTHORIZED = 'METRICS_UNAUTHORIZED';

const digest = (text: string) => createHash('sha256').update(text).digest();

// Compared as digests: equal lengths for timingSafeEqual, and no early exit that times
// how much of a guess was right.
function authorized(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(req, 'authorization') ?? '');
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

/** Answers GET /metrics: Prometheus text, or 401 with a JSON body when the token is wrong. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsRouteOptions,
): Promise<void> {
  if (options.token !== undefined && !authorized(req, options.token)) {
    return sendJson(
      res,
      401,
      { error: 'a valid METRICS_TOKEN is required', code: METRICS_UNAUTHORIZED },
      { 'www-authenticate': 'Bearer realm="metrics"' },
    );
  }
  const { contentType, body } = await options.metrics.render();
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}

/**
 * The server of METRICS_PORT: `/metrics` and nothing else, so that the scrape port can
 * stay inside the cluster while the main port is public.
 */
export function createMetricsServer(options: MetricsRouteOptions): Server {
  return createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      return sendJson(res, 404, { error: 'not found', routes: ['/metrics'] });
    }
    serveMetrics(req, res, options).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'metrics failed' });
      else res.destroy();
    });
  });
}
