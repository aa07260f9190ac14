import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { handleProtocols } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../observability/logger';
import type { Services } from '../services';
import { Connection, type BackpressureLimits, type ConnectionDeps } from './connection';
import { LiveRenderer, type FormatError } from './live-renderer';

export {
  CLOSE_CREDENTIALS_ENDED,
  CLOSE_SLOW_CONSUMER,
  CLOSE_TOO_MANY_CONNECTIONS,
} from './connection';

/** How often every socket's credentials are checked again by default. */
export const DEFAULT_REVALIDATE_MS = 60_000;

/** Largest WebSocket message accepted, in bytes. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** Defaults of {@link BackpressureLimits}. */
export const DEFAULT_BACKPRESSURE: BackpressureLimits = {
  softBytes: 256 * 1024,
  hardBytes: 4 * 1024 * 1024,
  stallMs: 30_000,
};

/** What {@link attachWebSocket} needs. */
export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  formatError: FormatError;
  /** TRUSTED_PROXIES, for the client address of each upgrade. */
  trustedProxies: readonly string[];
  /** Server pings this often; a socket that has not answered the previous one is dropped. */
  keepAliveMs?: number;
  /** Every socket's credentials are checked again this often (default a minute). */
  revalidateMs?: number;
  backpressure?: Partial<BackpressureLimits>;
}

/** The running graphql-ws endpoint. */
export interface WebSocketEndpoint {
  /** Number of open sockets. */
  readonly size: number;
  /** Messages written, live events held back and replaced, sockets closed as slow consumers. */
  readonly counters: Readonly<ConnectionDeps['counters']>;
  /** Live-event executions (one per event and selection, whatever the subscribers). */
  readonly executions: number;
  /**
   * Stops accepting sockets, lets every socket's queries and mutations in flight finish
   * (new operations are refused) for at most `graceMs`, then closes every socket with
   * 1001 (going away: the client reconnects, to another replica).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves the graphql-ws protocol (graphql-transport-ws) on the HTTP server's /graphql
 * path, with one keep-alive timer for all sockets, credentials that end everywhere
 * (revocation, rotation, plan and password changes re-validate the sockets concerned on
 * every replica, and every socket each minute: 4401), and live subscriptions written by
 * {@link Connection}.
 */
export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const logger = options.logger.child({ component: 'ws' });
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: MAX_WS_MESSAGE_BYTES,
    handleProtocols,
  });
  const connections = new Set<Connection>();
  // Sockets by API key and by user: a change of their credentials on any replica
  // re-validates them at once; every socket is re-validated periodically as well, so
  // that a message missed while Redis reconnected still takes effect.
  const byKey = new Map<string, Set<Connection>>();
  const byUser = new Map<string, Set<Connection>>();
  const revalidateAll = (set: Set<Connection> | undefined) => {
    for (const connection of set ?? []) void connection.revalidate();
  };
  options.services.auth.onCredentialsChanged(({ apiKeyId, userId }) => {
    if (apiKeyId) revalidateAll(byKey.get(apiKeyId));
    if (userId) revalidateAll(byUser.get(userId));
  });
  const revalidation = setInterval(
    () => revalidateAll(connections),
    options.revalidateMs ?? DEFAULT_REVALIDATE_MS,
  );
  revalidation.unref();
  const register = (index: Map<string, Set<Connection>>, id: string, connection: Connection) => {
    const set = index.get(id) ?? new Set();
    set.add(connection);
    index.set(id, set);
    return () => {
      set.delete(connection);
      if (set.size === 0 && index.get(id) === set) index.delete(id);
    };
  };
  const counters = { sent: 0, dropped: 0, slowClosed: 0 };
  const renderer = new LiveRenderer(options.formatError);
  renderer.failed = (error) => logger.warn({ err: error.message }, 'live render failed');
  const deps: ConnectionDeps = {
    trustedProxies: options.trustedProxies,
    schema: options.schema,
    services: options.services,
    logger,
    formatError: options.formatError,
    renderer,
    limits: { ...DEFAULT_BACKPRESSURE, ...options.backpressure },
    counters,
    track: (viewer, connection) => {
      const untrackUser = register(byUser, viewer.userId, connection);
      const untrackKey = viewer.apiKeyId ? register(byKey, viewer.apiKeyId, connection) : null;
      return () => {
        untrackUser();
        untrackKey?.();
      };
    },
  };

  wss.on('connection', (socket, request) => {
    socket.on('error', (error) => logger.debug({ err: error.message }, 'websocket error'));
    const connection = new Connection(socket, request, deps);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });

  // One timer for every socket: ping, and drop those that did not answer the last ping.
  const keepAlive = setInterval(() => {
    for (const connection of connections) {
      if (connection.awaitingPong) {
        connection.socket.terminate();
        continue;
      }
      connection.awaitingPong = true;
      connection.socket.ping();
    }
  }, options.keepAliveMs ?? 12_000);
  keepAlive.unref();

  return {
    get size() {
      return wss.clients.size;
    },
    counters,
    get executions() {
      return renderer.executions;
    },
    close: async (graceMs = 0) => {
      clearInterval(keepAlive);
      clearInterval(revalidation);
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...connections].map((connection) => connection.drain())),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
      for (const connection of connections) connection.close(1001, 'Going away');
      await closed;
    },
  };
}
