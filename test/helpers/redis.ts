import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { testEnv } from './test-env';

/** A Redis key prefix of one test file's own, and how to clear it. */
export interface TestRedis {
  url?: string;
  prefix: string;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
}

/** A unique prefix on the configured Redis (REDIS_URL), or nothing to clear without one. */
export function createTestRedis(): TestRedis {
  const prefix = `yftest:${randomBytes(6).toString('hex')}:`;
  const url = testEnv.redisUrl;
  return {
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
  };
}
