import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { testEnv } from './test-env';

/** A Redis key prefix of one test file's own, and how to clear it. */
export interface TestRedis {
  url?: string;
  prefix: string;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
  /** A client on the prefix (REDIS_URL must be set), disconnected by {@link close}. */
  client(): Redis;
  /** Disconnects every client made by {@link client}, then clears the prefix. */
  close(): Promise<void>;
}

/** A unique prefix on the configured Redis (REDIS_URL), or nothing to clear without one. */
export function createTestRedis(): TestRedis {
  const prefix = `yftest:${randomBytes(6).toString('hex')}:`;
  const url = testEnv.redisUrl;
  const clients: Redis[] = [];
  const testRedis: TestRedis = {
    url,
    prefix,
    clear: async () => {
      if (!url) return;
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
    client: () => {
      const made = new Redis(url!, { keyPrefix: prefix });
      clients.push(made);
      return made;
    },
    close: async () => {
      for (const made of clients.splice(0)) made.disconnect();
      await testRedis.clear();
    },
  };
  return testRedis;
}
