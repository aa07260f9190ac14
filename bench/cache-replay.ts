/**
 * Cache replay: 10,000 queries over 500 symbols with Zipf popularity, through the real
 * market-data stack (per-request DataLoaders, MarketCache on Redis when REDIS_URL is set
 * or the in-process LRU, single-flight, FMP provider over HTTP) against a local
 * FMP-format upstream that knows every symbol and counts what it is asked.
 *
 * Each query is one request (fresh loaders) asking a company card: the profile and the
 * quote of one symbol. It prints, per kind, the cache hit ratio (answered without a
 * load of its own: fresh hits plus lookups coalesced onto a load already in flight, as
 * /metrics counts them), the symbols loaded
 * upstream and the ideal minimum measured on the same run's request log: for profiles
 * (fresh for a day) the distinct symbols asked; for quotes (fresh 5 s) the fewest loads
 * a perfect cache could make, one per symbol per 5-second freshness window. The
 * baseline without any cache is one load per query and kind.
 *
 *   npm run bench:cache -- [--queries 10000] [--symbols 500] [--zipf 1.0]
 *                          [--concurrency 32] [--replicas 1] [--latency 20]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import Redis from 'ioredis';
import { defaultTtlPolicy } from '../src/datasources/cache/ttl-policy';
import { hashSeed, seededRandom } from '../src/datasources/providers/simulator/random';
import { createMarketLoaders } from '../src/loaders/market.loaders';
import { Metrics } from '../src/observability/metrics';
import { createMarketData } from '../src/services/market-data.factory';
import { benchSymbol, startFmpUpstream } from './fmp-upstream';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string', default: '10000' },
    symbols: { type: 'string', default: '500' },
    zipf: { type: 'string', default: '1.0' },
    concurrency: { type: 'string', default: '32' },
    replicas: { type: 'string', default: '1' },
    latency: { type: 'string', default: '20' },
  },
});
const QUERIES = Number(args.queries);
const SYMBOLS = Number(args.symbols);
const ZIPF = Number(args.zipf);
const CONCURRENCY = Number(args.concurrency);
const REPLICAS = Number(args.replicas);
const LATENCY_MS = Number(args.latency);
const QUOTE_TTL_MS = 5_000;
const API_KEY = 'bench-key';

/** Ranks 1..n drawn with P(k) ∝ 1 / k^s, from a fixed seed (the same replay every run). */
function zipfSampler(n: number, s: number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  const random = seededRandom(hashSeed('cache-replay'));
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Fewest loads a perfect cache could make: one per symbol per freshness window. */
function idealLoads(log: Array<{ symbol: string; at: number }>, ttlMs: number): number {
  const bySymbol = new Map<string, number[]>();
  for (const { symbol, at } of log) bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), at]);
  let loads = 0;
  for (const times of bySymbol.values()) {
    times.sort((a, b) => a - b);
    let freshUntil = -Infinity;
    for (const t of times) {
      if (t >= freshUntil) {
        loads += 1;
        freshUntil = t + ttlMs;
      }
    }
  }
  return loads;
}

async function main(): Promise<void> {
  const upstream = await startFmpUpstream({ apiKey: API_KEY, latencyMs: LATENCY_MS });
  const redisUrl = process.env.REDIS_URL;
  const prefix = `yfbench:${Date.now()}:`;
  const clients: Redis[] = [];
  const metrics = Array.from({ length: REPLICAS }, () => new Metrics());
  const replicas = metrics.map((m) => {
    const redis = redisUrl ? new Redis(redisUrl, { keyPrefix: prefix }) : null;
    if (redis) clients.push(redis);
    return createMarketData({
      config: {
        providers: [{ name: 'fmp', apiKey: API_KEY, baseUrl: upstream.url, rateLimits: [] }],
        providerTimeoutMs: 3_000,
        maxDayMove: 1,
      },
      redis,
      logger: pino({ level: 'warn' }),
      metrics: m,
      ttl: defaultTtlPolicy({ quoteMs: QUOTE_TTL_MS }),
    });
  });
  if (REPLICAS > 1 && !redisUrl) {
    console.log(
      'note: several replicas without REDIS_URL do not share a cache (each has its own LRU)',
    );
  }

  const next = zipfSampler(SYMBOLS, ZIPF);
  const plan = Array.from({ length: QUERIES }, () => benchSymbol(next()));
  const log: Array<{ symbol: string; at: number }> = [];
  let cursor = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < plan.length) {
        const index = cursor++;
        const symbol = plan[index];
        log.push({ symbol, at: Date.now() });
        const loaders = createMarketLoaders(replicas[index % REPLICAS]);
        await Promise.all([loaders.profile.load(symbol), loaders.quote.load(symbol)]);
      }
    }),
  );
  const elapsedMs = Date.now() - started;

  const lookups = async (kind: string) => {
    const counts: Record<string, number> = { hit: 0, coalesced: 0, miss: 0 };
    for (const m of metrics) {
      for (const v of (await m.cacheLookups.get()).values) {
        if (v.labels.kind === kind) counts[String(v.labels.result)] += v.value;
      }
    }
    return counts;
  };

  const distinct = new Set(plan).size;
  console.log(
    `cache replay: ${QUERIES} queries (profile + quote of one symbol each), ${SYMBOLS} symbols, Zipf s=${ZIPF}`,
  );
  console.log(
    `  ${REPLICAS} replica(s), cache ${redisUrl ? 'Redis' : 'in-process LRU'}, concurrency ${CONCURRENCY}, upstream latency ${LATENCY_MS} ms`,
  );
  console.log(
    `  ${elapsedMs} ms, ${Math.round((QUERIES / elapsedMs) * 1000)} queries/s, ${distinct} distinct symbols asked`,
  );
  const rows = [
    { kind: 'profile', ideal: distinct },
    { kind: 'quote', ideal: idealLoads(log, QUOTE_TTL_MS) },
  ];
  for (const { kind, ideal } of rows) {
    const { hit, coalesced, miss } = await lookups(kind);
    const loads = upstream.loads[kind] ?? 0;
    const total = hit + coalesced + miss;
    const pct = (n: number) => `${((n / total) * 100).toFixed(2)}%`;
    console.log(
      `  ${kind.padEnd(7)} cache hit ratio ${pct(hit + coalesced)} (hit ${hit}, coalesced ${coalesced}, miss ${miss})` +
        ` | symbols loaded upstream ${loads}, ideal minimum ${ideal}, ratio ${(loads / ideal).toFixed(3)}` +
        ` | without a cache ${QUERIES} (${(QUERIES / loads).toFixed(1)}x more)`,
    );
  }
  console.log(
    `  upstream HTTP calls: ${Object.entries(upstream.calls)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ')}`,
  );

  for (const client of clients) {
    let cursorKey = '0';
    do {
      const [nextCursor, keys] = await client.scan(cursorKey, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.call('DEL', ...keys);
      cursorKey = nextCursor;
    } while (cursorKey !== '0');
    await client.quit();
  }
  upstream.server.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
