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
  return client;
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
