import Redis from 'ioredis';
import {
  MemoryQuoteLog,
  QUOTE_LOG_RETENTION_MS,
  RedisQuoteLog,
  type QuoteLog,
} from '../../../src/datasources/cache/quote-log';
import { ConnectionRegistry } from '../../../src/datasources/cache/connection-registry';
import { SymbolRegistry } from '../../../src/datasources/cache/symbol-registry';
import type { Quote } from '../../../src/domain/market';
import { eventually, quietFor } from '../../helpers/wait';
import { createTestRedis } from '../../helpers/redis';

const redis = createTestRedis();
const client = redis.url ? new Redis(redis.url, { keyPrefix: redis.prefix }) : null;
afterAll(async () => {
  client?.disconnect();
  await redis.clear();
});

// Both stores run here: Redis when REDIS_URL is set (CI's first pass), else memory only.
const stores: Array<[string, () => { log: QuoteLog; clock: { now: Date } }]> = [
  [
    'memory',
    () => {
      const clock = { now: new Date('2026-11-20T18:00:00Z') };
      return { log: new MemoryQuoteLog(() => clock.now), clock };
    },
  ],
  ...(client
    ? ([
        [
          'redis',
          () => {
            const clock = { now: new Date('2026-11-20T18:00:00Z') };
            return { log: new RedisQuoteLog(client, () => clock.now), clock };
          },
        ],
      ] as Array<[string, () => { log: QuoteLog; clock: { now: Date } }]>)
    : []),
];

const quote = (symbol: string, price: number, at: string): Quote => ({
  symbol,
  price,
  change: 0,
  changePercent: 0,
  open: price,
  high: price,
  low: price,
  previousClose: price,
  volume: 1,
  marketCap: null,
  timestamp: new Date(at),
  source: 'test',
  stale: false,
});

describe.each(stores)('QuoteLog (%s)', (_name, make) => {
  it('answers the newest quote at or before a moment, per symbol, and forgets past its retention', async () => {
    const { log, clock } = make();
    const symbol = `LOG${Math.floor(Math.random() * 1e6)}`;
    await log.record([
      quote(symbol, 10, '2026-11-20T17:40:00Z'),
      quote(symbol, 12, '2026-11-20T17:50:00Z'),
      // Out of order, and a stale one (never logged: it was not observed then).
      quote(symbol, 11, '2026-11-20T17:45:00Z'),
      { ...quote(symbol, 99, '2026-11-20T17:46:00Z'), stale: true },
    ]);
    const at = async (iso: string) =>
      (await log.asOf([symbol, 'NONE'], new Date(iso))).get(symbol)?.price;
    expect(await at('2026-11-20T17:39:59Z')).toBeUndefined();
    expect(await at('2026-11-20T17:45:00Z')).toBe(11);
    expect(await at('2026-11-20T17:47:00Z')).toBe(11);
    expect(await at('2026-11-20T18:00:00Z')).toBe(12);
    const found = await log.asOf([symbol], new Date('2026-11-20T18:00:00Z'));
    expect(found.get(symbol)!.timestamp).toEqual(new Date('2026-11-20T17:50:00Z'));

    clock.now = new Date(Date.parse('2026-11-20T17:50:00Z') + QUOTE_LOG_RETENTION_MS + 60_000);
    await log.record([quote(symbol, 13, clock.now.toISOString())]);
    expect(await at('2026-11-20T17:55:00Z')).toBeUndefined();
  });
});

describe.each([
  ['in-process', () => new SymbolRegistry(null)],
  ...(client
    ? [['redis', () => new SymbolRegistry(client)] as [string, () => SymbolRegistry]]
    : []),
])('SymbolRegistry (%s)', (_name, make) => {
  it('counts distinct symbols over every holder of a subject, exactly, under concurrency', async () => {
    const registry = make();
    const subject = `key-${Math.random()}`;
    const a = await registry.acquire(subject, ['AAPL', 'MSFT'], 3);
    expect(a.ok).toBe(true);
    // Shared symbols count once.
    expect((await registry.acquire(subject, ['AAPL', 'KO'], 3)).ok).toBe(true);
    expect(await registry.acquire(subject, ['PEP'], 3)).toEqual({ ok: false, held: 3 });
    if (a.ok) a.hold.release();
    // MSFT is free again (the release is sent without waiting); AAPL is still held by the
    // second. A refused acquire holds nothing, so asking again until it passes is harmless.
    const freed = await eventually(
      () => registry.acquire(subject, ['PEP'], 3),
      (acquired) => acquired.ok,
      2_000,
      'MSFT released',
    );
    expect(freed.ok).toBe(true);

    // 20 concurrent single-symbol holders against a limit of 5: exactly 5 pass.
    const other = `key-${Math.random()}`;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registry.acquire(other, [`S${i}`], 5)),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
  });
});

(client ? describe : describe.skip)('registries on Redis: live holders keep their set', () => {
  const timing = { ttlMs: 100, heartbeatMs: 25 };

  it('renews the set TTL with each heartbeat, so a socket or subscription older than it still counts', async () => {
    const connections = new ConnectionRegistry(client, timing);
    const symbols = new SymbolRegistry(client, timing);
    const subject = `key-${Math.random()}`;
    const slot = await connections.acquire(subject, 1);
    const hold = await symbols.acquire(subject, ['AAPL'], 1);
    expect(slot).not.toBeNull();
    // Past several times the sets' first TTL (200 ms, kept by Redis on its own clock), the
    // limits still hold: the window is what this proves, so it is waited for.
    await quietFor(600);
    expect(await connections.acquire(subject, 1)).toBeNull();
    expect(await symbols.acquire(subject, ['KO'], 1)).toEqual({ ok: false, held: 1 });
    expect(await client!.pttl(`ws:conns:${subject}`)).toBeGreaterThan(0);
    slot!.release();
    if (hold.ok) hold.hold.release();
  });
});
