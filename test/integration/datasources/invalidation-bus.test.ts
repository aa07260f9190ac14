import Redis from 'ioredis';
import pino from 'pino';
import { InvalidationBus } from '../../../src/services/invalidation-bus';
import { createTestRedis } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

const logger = pino({ level: 'silent' });
const redis = createTestRedis();
afterAll(() => redis.clear());

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
        await waitFor(() => got.b.length === 1, 2_000, 'B to receive it');
        // A message without an origin (a replica of an older version) still counts. Redis
        // delivers a channel's messages in order, so A's echo of the first, were it not
        // skipped, would reach A before this one.
        await clients[0].publish(`${redis.prefix}invalidate`, 'user:42');
        await waitFor(() => got.a.length > 1 && got.b.length > 1, 2_000, 'both to receive it');
        expect(got).toEqual({ a: ['apikey:abc:1', 'user:42'], b: ['apikey:abc:1', 'user:42'] });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await Promise.all(clients.map((c) => c.quit()));
      }
    },
  );
});
