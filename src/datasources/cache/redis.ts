import Redis from 'ioredis';
import type { Logger } from '../../observability/logger';

/** Options for {@link openRedis}. */
export interface RedisOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  /** How long one command may wait for its reply before it fails (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs: number;
}

/**
 * Connects to Redis. Commands fail fast while the server is unreachable (no endless
 * offline queue) and fail after `commandTimeoutMs` when it stops answering with the
 * connection open (a network stall), so that callers fall back on per-process state
 * instead of holding the request; the client keeps reconnecting.
 */
export function openRedis(options: RedisOptions): Redis {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs,
    disconnectTimeout: 200,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each change once.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.warn({ err: error.message }, 'redis error');
  });
  client.on('ready', () => {
    lastError = '';
  });
  installCircuit(client, options.logger, options.commandTimeoutMs);
  return client;
}

/** The error of a command refused while Redis is known to stall. */
export const REDIS_CIRCUIT_OPEN = 'Redis is not answering (circuit open): per-process fallback';

/** How often a stalled Redis is probed with a PING. */
const PROBE_EVERY_MS = 1_000;

// A stall is met once: the first command that times out opens the circuit, and from then
// on commands fail at once (callers fall back on per-process state) instead of each
// waiting out the timeout, which a request making several Redis calls would pay several
// times. A PING each second (past the circuit) closes it when Redis answers again. Only
// a connected client's commands are refused: while ioredis reconnects it fails fast on
// its own, and its connection handshake must pass.
function installCircuit(client: Redis, logger: Logger, timeoutMs: number): void {
  const send = client.sendCommand.bind(client);
  let openSince = 0;
  let probe: NodeJS.Timeout | undefined;
  const close = () => {
    clearInterval(probe);
    probe = undefined;
    logger.info({ stalledMs: Date.now() - openSince }, 'redis answers again: shared state again');
    openSince = 0;
  };
  const trip = () => {
    if (openSince) return;
    openSince = Date.now();
    logger.warn(
      { timeoutMs },
      'redis stalled: limits, cache and budgets are per process until it answers',
    );
    let probing = false;
    probe = setInterval(() => {
      if (probing) return;
      probing = true;
      const ping = new Redis.Command('ping', [], { replyEncoding: 'utf8' });
      send(ping);
      ping.promise.then(close, () => undefined).finally(() => (probing = false));
    }, PROBE_EVERY_MS);
    probe.unref();
  };
  client.on('end', () => clearInterval(probe));
  client.sendCommand = ((command: InstanceType<typeof Redis.Command>, stream?: unknown) => {
    if (openSince && client.status === 'ready') {
      command.reject(new Error(REDIS_CIRCUIT_OPEN));
      return command.promise;
    }
    const reply = send(command, stream as never);
    command.promise.catch((error: Error) => {
      if (/Command timed out/.test(error.message)) trip();
    });
    return reply;
  }) as typeof client.sendCommand;
}

/** Resolves when Redis answers PING within `timeoutMs`; rejects otherwise. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('redis ping timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes the connection, waiting for pending replies when it is up. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
