import Redis from 'ioredis';
import pino from 'pino';
import { InvalidationBus } from '../../../src/services/invalidation-bus';
import { createTestRedis } from '../../helpers/redis';

const logger = pino({ level: 'silent' });
const redis = createTestRedis();
afterAll(() => redis.clear());

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('InvalidationBus', () => {
  it('delivers to this process at once without Redis', async () => {
    const bus = new InvalidationBus(null, redis.prefix, logger);
    const got: string[] = [];
    bus.onMessage((m) => got.push(m));
    await bus.publish('portfolio:1');
    expect(got).toEqual(['portfolio:1']);
  });

  (redis.url ? it : it.skip)(
    'reaches every replica once, the sender included (its Redis echo is skipped)',
    async () => {
      const clients = [0, 1].map(() => new Redis(redis.url!));
      const [a, b] = clients.map((client) => new InvalidationBus(client, redis.prefix, logger));
      await Promise.all([a.start(), b.start()]);
      const got = { a: [] as string[], b: [] as string[] };
      a.onMessage((m) => got.a.push(m));
      b.onMessage((m) => got.b.push(m));
      try {
        await a.publish('apikey:abc:1');
        expect(got.a).toEqual(['apikey:abc:1']); // at once, before any round trip
        await settle();
        expect(got).toEqual({ a: ['apikey:abc:1'], b: ['apikey:abc:1'] });
        // A message without an origin (a replica of an older version) still counts.
        await clients[0].publish(`${redis.prefix}invalidate`, 'user:42');
        await settle();
        expect(got.a.at(-1)).toBe('user:42');
        expect(got.b.at(-1)).toBe('user:42');
        expect(got.a).toHaveLength(2);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await Promise.all(clients.map((c) => c.quit()));
      }
    },
  );
});
