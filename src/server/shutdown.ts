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
 * connections close), closes WebSockets with 1001 so clients reconnect elsewhere,
 * lets in-flight HTTP requests finish within the grace period, then closes the stores.
 */
export async function gracefulStop(options: StopOptions): Promise<void> {
  const { httpServer, lifecycle, logger } = options;
  logger.info({ inFlight: lifecycle.inFlight, sockets: options.ws.size }, 'shutting down');
  lifecycle.draining = true;
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeIdleConnections();
  await options.ws.close();
  const drained = await waitForIdle(lifecycle, options.graceMs);
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
