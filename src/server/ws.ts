import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { createContext, type Context } from '../context';
import { DEFAULT_PLANS } from '../domain/plans';
import { limitSubject, type Viewer } from '../domain/viewer';
import { RateLimitedError } from '../errors/errors';
import { requestStats } from '../observability/request-stats';
import { usageStatus } from '../services/usage.service';
import type { Logger } from '../observability/logger';
import type { createFormatError } from './plugins/errors.plugin';
import { assertAffordable, queryCost } from './query-cost';
import { aliasLimitRule, depthLimitRule, MAX_TOKENS } from './validation-rules';
import type { Services } from './services';

/** Close code when a socket's credentials expire or are revoked: reconnect with new ones. */
export const CLOSE_CREDENTIALS_ENDED = 4401;
/** Close code when the key (or user) already holds its plan's WebSocket connections. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

/** Largest WebSocket message accepted, in bytes. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** What {@link attachWebSocket} needs. */
export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  formatError: ReturnType<typeof createFormatError>;
  development: boolean;
}

/** The running graphql-ws endpoint. */
export interface WebSocketEndpoint {
  /** Number of open sockets. */
  readonly size: number;
  /** Closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
}

type ConnectionParams = Record<string, unknown> & { apiKey?: unknown; authorization?: unknown };

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * Serves the graphql-ws protocol on the HTTP server's /graphql path. Credentials come
 * in `connection_init` (`apiKey` or `authorization`); missing or bad ones close the
 * socket with 4403, and no `connection_init` within 3 s closes it with 4408.
 */
export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const logger = options.logger.child({ component: 'ws' });
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: MAX_WS_MESSAGE_BYTES,
  });
  const started = new WeakMap<Context, number>();
  // Sockets by API key, so that a revocation on any replica closes them.
  const socketsByKey = new Map<string, Set<WsSocket>>();
  const endCredentials = (socket: WsSocket) =>
    socket.close(CLOSE_CREDENTIALS_ENDED, 'Credentials expired or revoked');
  options.services.auth.onKeyRevoked((apiKeyId) => {
    for (const socket of socketsByKey.get(apiKeyId) ?? []) endCredentials(socket);
  });
  const disposable = useServer<ConnectionParams, { viewer: Viewer }>(
    {
      schema: options.schema,
      isProd: !options.development,
      connectionInitWaitTimeout: 3_000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const credentials = {
          apiKey: asString(params.apiKey),
          authorization: asString(params.authorization),
          ip: ctx.extra.request.socket.remoteAddress,
        };
        try {
          const viewer = await options.services.auth.authenticate(credentials);
          if (!viewer) return false;
          ctx.extra.viewer = viewer;
          const socket = ctx.extra.socket;
          const plan = options.services.plans[viewer.plan] ?? DEFAULT_PLANS.FREE;
          const slot = await options.services.connections.acquire(
            limitSubject(viewer),
            plan.websocketConnections,
          );
          if (!slot) {
            socket.close(
              CLOSE_TOO_MANY_CONNECTIONS,
              `The ${plan.name} plan allows ${plan.websocketConnections} connection(s)`,
            );
            return false;
          }
          const cleanups: Array<() => void> = [() => slot.release()];
          if (viewer.apiKeyId) {
            const id = viewer.apiKeyId;
            const set = socketsByKey.get(id) ?? new Set();
            set.add(socket);
            socketsByKey.set(id, set);
            cleanups.push(() => {
              set.delete(socket);
              if (set.size === 0) socketsByKey.delete(id);
            });
          }
          if (viewer.expiresAt) {
            const timer = setTimeout(
              () => endCredentials(socket),
              Math.max(0, Math.min(viewer.expiresAt.getTime() - Date.now(), 2 ** 31 - 1)),
            );
            cleanups.push(() => clearTimeout(timer));
          }
          socket.once('close', () => cleanups.forEach((cleanup) => cleanup()));
          return true;
        } catch (error) {
          logger.debug({ err: (error as Error).message }, 'websocket authentication failed');
          return false;
        }
      },
      // Over the socket, operations meet the same limits as over HTTP: size, depth and
      // aliases, the plan's cost, and the rate limits of the key (or user); each is
      // metered like an HTTP request.
      execute: (args) =>
        requestStats.run((args.contextValue as Context).stats, () => execute(args)),
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.schema, document, [
          ...specifiedRules,
          depthLimitRule,
          aliasLimitRule,
        ]);
        if (errors.length > 0) return errors;
        const viewer = ctx.extra.viewer;
        const plan = options.services.plans[viewer?.plan ?? 'FREE'] ?? DEFAULT_PLANS.FREE;
        const requested = queryCost(
          options.schema,
          document,
          payload.operationName,
          payload.variables ?? {},
        );
        try {
          assertAffordable(requested, plan);
        } catch (error) {
          return [error as GraphQLError];
        }
        if (viewer) {
          const decision = await options.services.rateLimiter.consume(limitSubject(viewer), {
            perMinute: plan.requestsPerMinute,
            perDay: plan.requestsPerDay,
          });
          if (!decision.allowed) {
            options.services.usageRecorder.recordRequest(viewer, {
              operationName: payload.operationName,
              cost: 0,
              status: 'RATE_LIMITED',
              durationMs: 0,
              cacheHits: 0,
            });
            return [
              new RateLimitedError(
                `Rate limit of the ${plan.name} plan reached; retry after ${decision.retryAfterSeconds} s`,
                decision.retryAfterSeconds,
              ),
            ];
          }
        }
        const requestId = randomUUID();
        const contextValue = createContext({
          requestId,
          logger: logger.child({ reqId: requestId }),
          viewer: viewer ?? null,
          services: options.services,
          ip: ctx.extra.request.socket.remoteAddress,
        });
        contextValue.stats.cost = requested;
        started.set(contextValue, performance.now());
        // Parsed and validated once.
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        const context = args.contextValue as Context;
        const operation = getOperationAST(args.document, args.operationName);
        if (context.viewer && operation?.operation !== 'subscription') {
          options.services.usageRecorder.recordRequest(context.viewer, {
            operationName: args.operationName,
            cost: context.stats.cost,
            status: usageStatus('errors' in result ? result.errors : undefined),
            durationMs: Math.round(performance.now() - (started.get(context) ?? performance.now())),
            cacheHits: context.stats.cacheHits,
          });
        }
        if (!('errors' in result) || !result.errors) return result;
        return {
          ...result,
          errors: result.errors.map((error) => options.formatError(error.toJSON(), error)),
        } as unknown as typeof result;
      },
    },
    wss,
  );
  return {
    get size() {
      return wss.clients.size;
    },
    // graphql-ws's dispose closes every socket with 1001 and then the server.
    close: async () => {
      await disposable.dispose();
    },
  };
}
