import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  MessageType,
  parseMessage,
  type SubscribePayload,
} from 'graphql-ws';
import type { WebSocket } from 'ws';
import { createContext, type Context } from '../../context';
import type { Viewer } from '../../domain/viewer';
import type { Credentials } from '../../services/auth.service';
import {
  QueryTooComplexError,
  ServiceUnavailableError,
  UnauthenticatedError,
  YieldflowError,
} from '../../errors/errors';
import { assertNoNulInput } from '../nul-input';
import type { Logger } from '../../observability/logger';
import { requestStats } from '../../observability/request-stats';
import { Conflator, LiveFeed } from '../../services/live-feed';
import { usageStatus } from '../../services/usage.service';
import { MAX_TOKENS } from '../validation-rules';
import type { Services } from '../services';
import { clientIp } from '../http-util';
import { targetParts } from '../../domain/request-signing';
import { formatResult, selectionKey, type FormatError, type LiveRenderer } from './live-renderer';

/** Close code when a socket's credentials expire or are revoked: reconnect with new ones. */
export const CLOSE_CREDENTIALS_ENDED = 4401;
/** Close code when the key (or user) already holds its plan's WebSocket connections. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;
/** Close code (RFC 6455 "try again later") when the database could not check credentials. */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** Close code of a consumer that stopped reading: its send buffer stayed full. */
export const CLOSE_SLOW_CONSUMER = 4008;
/**
 * Operations open at once on one socket (subscriptions, and queries or mutations in
 * flight). Each holds state here until it ends, so a further `subscribe` is refused
 * with an `error` message (QUERY_TOO_COMPLEX, `max`) and the socket stays open.
 */
export const MAX_OPERATIONS_PER_SOCKET = 100;

/** How the gateway treats consumers that read slower than events arrive. */
export interface BackpressureLimits {
  /** Past this many buffered bytes, live events are held (the latest per key) instead of written. */
  softBytes: number;
  /** Past this many buffered bytes, the socket is closed with {@link CLOSE_SLOW_CONSUMER}. */
  hardBytes: number;
  /** A socket held past `softBytes` this long is closed with {@link CLOSE_SLOW_CONSUMER}. */
  stallMs: number;
}

/** What every connection of one gateway shares. */
export interface ConnectionDeps {
  /** TRUSTED_PROXIES: the client address is read as on HTTP. */
  trustedProxies: readonly string[];
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  formatError: FormatError;
  renderer: LiveRenderer;
  limits: BackpressureLimits;
  counters: { sent: number; dropped: number; slowClosed: number };
  /**
   * Registers the socket of an authenticated viewer, by key and by user: a change of
   * their credentials on any replica re-validates it. Returns the unregistration.
   */
  track(viewer: Viewer, connection: Connection): () => void;
}

type ConnectionParams = Record<string, unknown> & { apiKey?: unknown; authorization?: unknown };

/** A live subscription written to the socket by the gateway itself. */
interface LiveOperation {
  kind: 'live';
  id: string;
  feed: LiveFeed<object>;
  conflator: Conflator<object>;
  /** `{"id":…,"type":"next","payload":` */
  prefix: string;
  key: string | null;
  args: ExecutionArgs;
}

/** Any other operation: a query or mutation in flight, or a generic event stream. */
interface PlainOperation {
  kind: 'plain';
  iterator: AsyncIterator<unknown> | null;
}

type Operation = LiveOperation | PlainOperation;

const DRAIN_POLL_MS = 20;

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * One graphql-ws (graphql-transport-ws) connection: `connection_init` within 3 s (4408),
 * credentials checked there (4403), the plan's connection limit (4429), ping/pong,
 * `subscribe` / `next` / `error` / `complete`. Every operation meets the limits of HTTP
 * (size, depth, aliases, cost, rate limits) and is metered. Live subscriptions are
 * written here: executed once per event and selection, conflated per key, and held
 * (latest wins) while the socket's send buffer is over its soft limit.
 */
export class Connection {
  private readonly operations = new Map<string, Operation | null>();
  private readonly blocked = new Set<LiveOperation>();
  private readonly cleanups: Array<() => void> = [];
  private readonly initTimer: NodeJS.Timeout;
  private initReceived = false;
  private acknowledged = false;
  private viewer: Viewer | null = null;
  private credentials: Credentials | null = null;
  private expiryTimer: NodeJS.Timeout | undefined;
  private revalidating: Promise<void> | null = null;
  private drainTimer: NodeJS.Timeout | undefined;
  private blockedSince = 0;
  private closing = false;
  private disposed = false;
  /** Set by {@link drain}: called once no query or mutation is in flight. */
  private drained: (() => void) | null = null;
  /** Set by the gateway's keep-alive: a ping went out and no pong came back yet. */
  awaitingPong = false;
  /** The client's address, by the same rule as HTTP (TRUSTED_PROXIES). */
  private readonly ip: string;

  constructor(
    readonly socket: WebSocket,
    private readonly request: IncomingMessage,
    private readonly deps: ConnectionDeps,
  ) {
    this.ip = clientIp(request, deps.trustedProxies);
    this.initTimer = setTimeout(() => {
      if (!this.initReceived) {
        this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }
    }, 3_000);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      this.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    socket.on('message', (data) => {
      this.onMessage(String(data)).catch((error: Error) => {
        this.deps.logger.error({ err: error }, 'websocket message handling failed');
        this.close(CloseCode.InternalServerError, 'Internal server error');
      });
    });
    socket.on('pong', () => (this.awaitingPong = false));
    socket.once('close', () => this.dispose());
  }

  /** Closes the socket (once) and stops its operations at once. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.dispose();
    this.socket.close(code, reason);
    // A consumer that does not read may never complete the closing handshake.
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }

  /**
   * The server is stopping: new operations are refused (SERVICE_UNAVAILABLE: reconnect),
   * and the promise resolves once no query or mutation of this socket is in flight, or
   * the socket is gone. Subscriptions do not count: they end with the socket.
   */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
  }

  // In flight: received and being prepared (null), or a query or mutation executing.
  private checkDrained(): void {
    if (!this.drained) return;
    for (const operation of this.operations.values()) {
      if (!this.disposed && (!operation || (operation.kind === 'plain' && !operation.iterator))) {
        return;
      }
    }
    const resolve = this.drained;
    this.drained = null;
    resolve();
  }

  private async onMessage(data: string): Promise<void> {
    if (this.closing) return;
    let message;
    try {
      message = parseMessage(data);
    } catch {
      this.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        if (this.initReceived) {
          this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
          return;
        }
        this.initReceived = true;
        clearTimeout(this.initTimer);
        await this.init((message.payload ?? {}) as ConnectionParams);
        return;
      case MessageType.Ping:
        this.send(
          JSON.stringify(
            message.payload
              ? { type: MessageType.Pong, payload: message.payload }
              : { type: MessageType.Pong },
          ),
        );
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        if (!this.acknowledged) {
          this.close(CloseCode.Unauthorized, 'Unauthorized');
          return;
        }
        if (this.operations.has(message.id)) {
          this.close(
            CloseCode.SubscriberAlreadyExists,
            `Subscriber for ${message.id} already exists`,
          );
          return;
        }
        if (this.operations.size >= MAX_OPERATIONS_PER_SOCKET) {
          const max = MAX_OPERATIONS_PER_SOCKET;
          const refusal = `At most ${max} operations may be open at once on one socket`;
          this.sendErrors(message.id, [new QueryTooComplexError(refusal, { max })]);
          return;
        }
        if (this.drained) {
          this.sendErrors(message.id, [
            new ServiceUnavailableError(
              'The server is shutting down: reconnect and send it again',
              1,
            ),
          ]);
          return;
        }
        this.operations.set(message.id, null);
        try {
          await this.start(message.id, message.payload);
        } finally {
          this.checkDrained();
        }
        return;
      case MessageType.Complete:
        this.stop(message.id);
        return;
      default:
        this.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  private async init(params: ConnectionParams): Promise<void> {
    const { admission } = this.deps.services;
    const apiKey = asString(params.apiKey);
    let viewer: Viewer | null;
    try {
      viewer = await admission.identify({
        apiKey,
        authorization: asString(params.authorization),
        ip: this.ip,
      });
      if (!viewer) throw new UnauthenticatedError();
      if (apiKey && viewer.requireSignature) {
        await admission.verifySignature(
          viewer,
          apiKey,
          {
            timestamp: asString(params.timestamp),
            signature: asString(params.signature),
            // connection_init signs its upgrade request: GET, its path and query, no body.
            method: 'GET',
            ...targetParts(this.request.url),
            body: Buffer.alloc(0),
          },
          this.ip,
        );
      }
    } catch (error) {
      // The database could not check the credentials: 1013 (try again later), which a
      // client retries, where 4403 would tell it to give up.
      if (error instanceof ServiceUnavailableError || this.deps.services.database.report(error)) {
        this.close(
          CLOSE_TRY_AGAIN_LATER,
          closeReason(`SERVICE_UNAVAILABLE: ${new ServiceUnavailableError().message}`),
        );
        return;
      }
      // The refusal's code leads the close reason: HTTP would have answered it.
      const code = error instanceof YieldflowError ? error.code : 'UNAUTHENTICATED';
      this.deps.logger.debug({ err: (error as Error).message }, 'websocket authentication failed');
      this.close(CloseCode.Forbidden, closeReason(`${code}: ${(error as Error).message}`));
      return;
    }
    const plan = admission.plan(viewer);
    const slot = await admission.openSocket(viewer);
    if (!slot) {
      this.close(
        CLOSE_TOO_MANY_CONNECTIONS,
        `The ${plan.name} plan allows ${plan.websocketConnections} connection(s)`,
      );
      return;
    }
    if (this.disposed) {
      // The socket went away while it was being authenticated.
      slot.release();
      return;
    }
    this.cleanups.push(() => slot.release());
    this.viewer = viewer;
    this.credentials = {
      apiKey,
      authorization: asString(params.authorization),
      ip: this.ip,
    };
    this.cleanups.push(this.deps.track(viewer, this));
    this.cleanups.push(() => clearTimeout(this.expiryTimer));
    this.armExpiry(viewer);
    this.acknowledged = true;
    this.send(JSON.stringify({ type: MessageType.ConnectionAck }));
  }

  /**
   * Checks the socket's credentials again, bypassing the key cache: revoked, expired,
   * moved outside the allow-list or (for access tokens) ended by a password change, the
   * socket closes with 4401; otherwise its viewer (plan, scopes, expiry) is the current
   * one. A store that cannot answer leaves the socket as it is. Concurrent calls share
   * one check.
   */
  revalidate(): Promise<void> {
    if (!this.acknowledged || this.closing || !this.credentials) return Promise.resolve();
    this.revalidating ??= this.check(this.credentials).finally(() => (this.revalidating = null));
    return this.revalidating;
  }

  private async check(credentials: Credentials): Promise<void> {
    let viewer: Viewer | null;
    try {
      viewer = await this.deps.services.admission.identify(credentials, { fresh: true });
    } catch (error) {
      if (error instanceof YieldflowError) {
        this.close(CLOSE_CREDENTIALS_ENDED, 'Credentials expired or revoked');
      } else {
        this.deps.logger.warn({ err: (error as Error).message }, 'websocket re-validation failed');
      }
      return;
    }
    if (!viewer || viewer.userId !== this.viewer?.userId) {
      this.close(CLOSE_CREDENTIALS_ENDED, 'Credentials expired or revoked');
      return;
    }
    this.viewer = viewer;
    this.armExpiry(viewer);
  }

  // Closes the socket when its credentials expire (a key's expiry, a rotation's grace
  // end, an access token's exp).
  private armExpiry(viewer: Viewer): void {
    clearTimeout(this.expiryTimer);
    if (!viewer.expiresAt) return;
    this.expiryTimer = setTimeout(
      () => this.close(CLOSE_CREDENTIALS_ENDED, 'Credentials expired or revoked'),
      Math.max(0, Math.min(viewer.expiresAt.getTime() - Date.now(), 2 ** 31 - 1)),
    );
  }

  // Parses, validates, prices and rate-limits an operation, then runs it.
  private async start(id: string, payload: SubscribePayload): Promise<void> {
    const started = performance.now();
    const prepared = await this.prepare(payload);
    if (!this.operations.has(id)) return; // completed by the client meanwhile
    if (Array.isArray(prepared)) {
      this.operations.delete(id);
      this.sendErrors(id, prepared);
      return;
    }
    const args = prepared;
    const context = args.contextValue as Context;
    const operation = getOperationAST(args.document, args.operationName);
    const meter = (errors: readonly GraphQLError[] | undefined) =>
      this.deps.services.admission.meter(this.viewer!, {
        operationName: args.operationName ?? undefined,
        cost: context.stats.cost,
        status: usageStatus(errors),
        durationMs: Math.round(performance.now() - started),
        cacheHits: context.stats.cacheHits,
      });

    if (operation?.operation !== 'subscription') {
      this.operations.set(id, { kind: 'plain', iterator: null });
      const result = (await requestStats.run(context.stats, () =>
        execute(args),
      )) as ExecutionResult;
      meter(result.errors);
      if (!this.operations.has(id)) return;
      this.operations.delete(id);
      this.sendNext(id, result);
      this.sendComplete(id);
      return;
    }

    const source = await requestStats.run(context.stats, () => createSourceEventStream(args));
    if (!(Symbol.asyncIterator in source)) {
      // The subscribe resolver refused (bad arguments, limits): one result, then complete.
      const refused = source as ExecutionResult;
      meter(refused.errors);
      if (this.operations.delete(id)) {
        this.sendNext(id, refused);
        this.sendComplete(id);
      }
      return;
    }
    meter(undefined);
    if (!this.operations.has(id) || this.closing) {
      endSource(source);
      return;
    }
    if (source instanceof LiveFeed) this.startLive(id, source as LiveFeed<object>, args);
    else void this.startPlain(id, source, args);
  }

  private startLive(id: string, feed: LiveFeed<object>, args: ExecutionArgs): void {
    const live: LiveOperation = {
      kind: 'live',
      id,
      feed,
      prefix: `{"id":${JSON.stringify(id)},"type":"next","payload":`,
      key: selectionKey(args.document, args.operationName, args.variableValues),
      args,
      conflator: new Conflator<object>(
        feed.throttleMs,
        (event) => this.writeLive(live, event),
        () => (this.deps.counters.dropped += 1),
      ),
    };
    this.operations.set(id, live);
    this.checkDrained();
    const direct = feed.throttleMs === 0;
    feed.listen((event, key) => {
      // Unthrottled and nothing held: straight to the socket, unless it is congested.
      if (direct && live.conflator.held === 0 && this.writeLive(live, event)) return;
      live.conflator.push(event, key);
    });
  }

  // graphql-js semantics for any other event stream: each event executed on its own.
  private async startPlain(
    id: string,
    source: AsyncIterable<unknown>,
    args: ExecutionArgs,
  ): Promise<void> {
    const iterator = source[Symbol.asyncIterator]();
    this.operations.set(id, { kind: 'plain', iterator });
    this.checkDrained();
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done || !this.operations.has(id)) break;
        this.sendNext(id, (await execute({ ...args, rootValue: step.value })) as ExecutionResult);
      }
      if (this.operations.delete(id)) this.sendComplete(id);
    } catch (error) {
      if (this.operations.delete(id)) {
        this.sendErrors(id, [
          new GraphQLError((error as Error).message, { originalError: error as Error }),
        ]);
      }
    }
  }

  // The conflator's sink: false (hold the event) while the socket is congested.
  private writeLive(live: LiveOperation, event: object): boolean {
    if (this.closing) return true;
    if (this.congested()) {
      this.block(live);
      return false;
    }
    this.deps.renderer.render(event, live.key, live.args, (payload) => {
      if (this.operations.get(live.id) === live) this.send(`${live.prefix}${payload}}`);
    });
    return true;
  }

  private congested(): boolean {
    return this.socket.bufferedAmount > this.deps.limits.softBytes;
  }

  private block(live: LiveOperation): void {
    if (this.blocked.size === 0) this.blockedSince = Date.now();
    this.blocked.add(live);
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => {
      if (!this.congested()) {
        clearInterval(this.drainTimer);
        this.drainTimer = undefined;
        const waiting = [...this.blocked];
        this.blocked.clear();
        for (const operation of waiting) operation.conflator.flush();
        return;
      }
      if (Date.now() - this.blockedSince > this.deps.limits.stallMs) this.slowConsumer();
    }, DRAIN_POLL_MS);
  }

  private slowConsumer(): void {
    this.deps.counters.slowClosed += 1;
    this.close(
      CLOSE_SLOW_CONSUMER,
      `Slow consumer: send buffer over ${this.deps.limits.softBytes} bytes for ${this.deps.limits.stallMs} ms`,
    );
  }

  private send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
    this.deps.counters.sent += 1;
    if (this.socket.bufferedAmount > this.deps.limits.hardBytes) this.slowConsumer();
  }

  private sendNext(id: string, result: ExecutionResult): void {
    const payload = formatResult(result, this.deps.formatError);
    this.send(JSON.stringify({ id, type: MessageType.Next, payload }));
  }

  private sendErrors(id: string, errors: readonly GraphQLError[]): void {
    const payload = errors.map((error) => this.deps.formatError(error.toJSON(), error));
    this.send(JSON.stringify({ id, type: MessageType.Error, payload }));
  }

  private sendComplete(id: string): void {
    this.send(JSON.stringify({ id, type: MessageType.Complete }));
  }

  private stop(id: string): void {
    const operation = this.operations.get(id);
    this.operations.delete(id);
    this.checkDrained();
    if (!operation) return;
    if (operation.kind === 'live') {
      operation.conflator.close();
      operation.feed.end();
      this.blocked.delete(operation);
    } else {
      void operation.iterator?.return?.();
    }
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.initTimer);
    clearInterval(this.drainTimer);
    for (const id of [...this.operations.keys()]) this.stop(id);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.checkDrained();
  }

  // Over the socket, operations meet the admission of HTTP: the same validation rules,
  // bounds, price, limits and metering; only the parsing and framing are this file's.
  private async prepare(payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> {
    const { schema, services, logger } = this.deps;
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: MAX_TOKENS });
    } catch (error) {
      return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = services.admission.validate(schema, document, {
      ip: this.ip,
      viewer: this.viewer,
    });
    if (errors.length > 0) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    // graphql-js reports an unknown operation without a code, which the formatter would
    // mask as INTERNAL_SERVER_ERROR; it is the caller's input, as Apollo reports it.
    if (!getOperationAST(document, payload.operationName)) {
      const message = payload.operationName
        ? `Unknown operation named "${payload.operationName}".`
        : 'Must provide operation name if query contains multiple operations.';
      return [withCode(new GraphQLError(message), 'OPERATION_RESOLUTION_FAILURE')];
    }
    const viewer = this.viewer!;
    let cost: number;
    try {
      assertNoNulInput(document, payload.variables);
      ({ cost } = await services.admission.admitOperation({
        schema,
        document,
        operationName: payload.operationName,
        variables: payload.variables ?? {},
        viewer,
        ip: this.ip,
        spendPlan: true,
      }));
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
    const requestId = randomUUID();
    const contextValue = createContext({
      requestId,
      logger: logger.child({ reqId: requestId }),
      viewer,
      services,
      ip: this.ip,
    });
    contextValue.stats.cost = cost;
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables ?? {},
      contextValue,
    };
  }
}

/** A close reason within the protocol's 123 bytes. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

// Apollo tags parse and validation errors with a code; graphql-js does not.
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError ?? undefined,
    extensions: { ...error.extensions, code },
  });
}

function endSource(source: AsyncIterable<unknown>): void {
  if (source instanceof LiveFeed) source.end();
  else void source[Symbol.asyncIterator]().return?.();
}
