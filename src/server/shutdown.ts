import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Context } from '../context';
import type { Logger } from '../observability/logger';
import type { Lifecycle } from './http';
import type { WebSocketEndpoint } from './ws/gateway';

/** What {@link gracefulStop} closes, in order. */
export interface StopOptions {
  httpServer: Server;
  lifecycle: Lifecycle;
  ws: WebSocketEndpoint;
  apollo: ApolloServer<Context>;
  /** How long in-flight HTTP requests may take before their connections are cut. */
  graceMs: number;
  logger: Logger;
  closeStores(): Promise<void>;
}

function waitForIdle(lifecycle: Lifecycle, graceMs: number): Promise<boolean> {
  if (lifecycle.inFlight === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      lifecycle.onIdle = undefined;
      resolve(false);
    }, graceMs);
    lifecycle.onIdle = () => {
      if (lifecycle.inFlight > 0) return;
      clearTimeout(timer);
      lifecycle.onIdle = undefined;
      resolve(true);
    };
  });
}

/**
 * Stops accepting work (readiness turns 503, the listener closes, idle keep-alive
 * connections close), lets in-flight HTTP requests and WebSocket queries and mutations
 * finish within the grace period, closes WebSockets with 1001 once theirs have (clients
 * reconnect elsewhere), then closes the stores.
 */
export async function gracefulStop(options: StopOptions): Promise<void> {
  const { httpServer, lifecycle, logger } = options;
  logger.info({ inFlight: lifecycle.inFlight, sockets: options.ws.size }, 'shutting down');
  lifecycle.draining = true;
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeIdleConnections();
  // HTTP requests and the sockets' queries and mutations drain together; the sockets
  // then close with 1001 (subscriptions end there: clients resubscribe elsewhere).
  const [drained] = await Promise.all([
    waitForIdle(lifecycle, options.graceMs),
    options.ws.close(options.graceMs),
  ]);
  if (!drained) {
    logger.warn(
      { inFlight: lifecycle.inFlight },
      'grace period over; closing remaining connections',
    );
  }
  httpServer.closeAllConnections();
  await closed;
  await options.apollo.stop();
  await options.closeStores();
  logger.info('stopped');
}
