import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Config } from '../config/env.schema';
import type { Context } from '../context';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { serveGraphQL, serveImportUpload } from './graphql-route';
import { IMPORT_PATH } from './import-route';
import { runHealthChecks, type HealthCheck } from './health';
import { IDE_ASSET_PATH, Ide } from './ide';
import {
  clientIp,
  headerValue,
  sendGraphQLError,
  sendJson,
  sendServiceUnavailable,
} from './http-util';
import { serveMetrics } from './metrics-route';
import type { Services } from './services';

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

/** Builds the `node:http` request listener: GraphQL at /graphql, plus health and metrics. */
export function createHttpHandler(options: HttpHandlerOptions) {
  const { lifecycle } = options;
  return (req: IncomingMessage, res: ServerResponse): void => {
    lifecycle.inFlight += 1;
    const started = process.hrtime.bigint();
    const incomingId = headerValue(req, 'x-request-id');
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    // The request's logger is made when something is logged: a request answered from
    // the response cache, at the default level, logs nothing.
    let logger: Logger | undefined;
    const log = () => (logger ??= options.logger.child({ reqId: requestId }));
    res.setHeader('x-request-id', requestId);
    if (lifecycle.draining) res.setHeader('connection', 'close');
    const route = routeOf(req);
    res.on('close', () => {
      lifecycle.inFlight -= 1;
      options.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      if ((route === 'graphql' || route === 'import') && options.logger.isLevelEnabled('info')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log().info(
          { method: req.method, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
          'request',
        );
      }
      lifecycle.onIdle?.();
    });
    const fail = (error: Error) => {
      // The database not answering is logged once by its availability tracker.
      if (options.services.database.report(error)) {
        if (!res.headersSent) return sendServiceUnavailable(res);
      } else log().error({ err: error }, 'request handler failed');
      if (!res.headersSent)
        sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    };
    try {
      handle(route, { req, res, requestId, log, started, fail }, options)?.catch(fail);
    } catch (error) {
      fail(error as Error);
    }
  };
}

type Route =
  'graphql' | 'import' | 'ide' | 'favicon' | 'healthz' | 'readyz' | 'metrics' | 'unknown';

function routeOf(req: IncomingMessage): Route {
  const pathname = (req.url ?? '/').split('?')[0];
  if (pathname === '/graphql') return Ide.wants(req) ? 'ide' : 'graphql';
  if (pathname === IMPORT_PATH) return 'import';
  if (pathname.startsWith(IDE_ASSET_PATH)) return 'ide';
  if (pathname === '/healthz') return 'healthz';
  if (pathname === '/readyz') return 'readyz';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/favicon.ico') return 'favicon';
  return 'unknown';
}

/** One HTTP request in flight, with its id and logger. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** The request's logger (made on first use). */
  log: () => Logger;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
  /** Logs an unexpected error and answers 500 (or drops a started answer). */
  fail: (error: Error) => void;
}

// Not async: the GraphQL route answers a cached request without a promise.
function handle(
  route: Route,
  exchange: Exchange,
  options: HttpHandlerOptions,
): void | Promise<void> {
  const { res } = exchange;
  switch (route) {
    case 'healthz':
      return sendJson(res, 200, { status: 'ok' });
    case 'readyz':
      return readiness(res, options);
    case 'metrics':
      // With METRICS_PORT, /metrics is served there only.
      if (options.config.metricsPort !== undefined) return notFound(res, options);
      return serveMetrics(exchange.req, res, {
        metrics: options.metrics,
        token: options.config.metricsToken,
      });
    case 'graphql':
      return serveGraphQL(exchange, options);
    case 'import':
      return serveImportUpload(exchange, options);
    case 'favicon':
      // Browsers ask; the IDE has none.
      res.writeHead(204, { 'cache-control': 'public, max-age=86400' });
      res.end();
      return;
    case 'ide':
      if (exchange.req.url?.startsWith(IDE_ASSET_PATH)) options.ide.asset(exchange.req, res);
      else options.ide.page(res, clientIp(exchange.req, options.config.trustedProxies));
      return;
    default:
      return notFound(res, options);
  }
}

// The routes this port serves (/metrics is elsewhere when METRICS_PORT is set).
function notFound(res: ServerResponse, options: HttpHandlerOptions): void {
  const metrics = options.config.metricsPort === undefined ? ['/metrics'] : [];
  sendJson(res, 404, {
    error: 'not found',
    routes: ['/graphql', IMPORT_PATH, '/healthz', '/readyz', ...metrics, IDE_ASSET_PATH],
  });
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
