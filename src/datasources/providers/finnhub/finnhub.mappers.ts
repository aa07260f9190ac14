import { z } from 'zod';
import type { CompanyProfile, PriceBar, Quote, Trade } from '../../../domain/market';
import {
  mapEach,
  numeric,
  optionalNumeric,
  optionalText,
  parseEnvelope,
  percentToFraction,
  searchProfile,
  type Mapped,
} from '../mapping';

// Pure mappers from Finnhub (https://finnhub.io/docs/api) to our domain types; fixtures
// in test/fixtures/providers/finnhub/.

const PROVIDER = 'finnhub';

const quoteSchema = z.object({
  c: numeric,
  d: optionalNumeric,
  dp: optionalNumeric,
  h: numeric,
  l: numeric,
  o: numeric,
  pc: numeric,
  t: numeric,
});

/**
 * `/quote`: the quote of `symbol` (Finnhub does not echo it), or null for an unknown
 * symbol, which Finnhub answers with zeros everywhere.
 */
export function mapFinnhubQuote(symbol: string, body: unknown): Quote | null {
  const q = parseEnvelope(PROVIDER, 'quote', quoteSchema, body);
  if (q.t === 0 && q.c === 0) return null;
  const change = q.d ?? q.c - q.pc;
  return {
    symbol,
    price: q.c,
    change,
    // Percent points (0.88 for 0.88 %); we speak fractions.
    changePercent: q.dp !== null ? percentToFraction(q.dp) : q.pc ? change / q.pc : 0,
    open: q.o,
    high: q.h,
    low: q.l,
    previousClose: q.pc,
    // /quote carries no volume.
    volume: 0,
    marketCap: null,
    timestamp: new Date(q.t * 1_000),
    source: PROVIDER,
    stale: false,
  };
}

const profileSchema = z.object({
  ticker: z.string().min(1),
  name: z.string().min(1),
  exchange: z.string().nullish(),
  currency: z.string().nullish(),
  country: optionalText,
  finnhubIndustry: optionalText,
  weburl: optionalText,
});

/** `/stock/profile2`: the profile, or null for an unknown symbol (an empty object). */
export function mapFinnhubProfile(body: unknown): CompanyProfile | null {
  if (typeof body === 'object' && body !== null && Object.keys(body).length === 0) return null;
  const p = parseEnvelope(PROVIDER, 'profile2', profileSchema, body);
  return {
    symbol: p.ticker.toUpperCase(),
    name: p.name,
    exchange: p.exchange ?? '',
    currency: p.currency ?? 'USD',
    // Finnhub has one industry classification; it is the closest to a sector.
    sector: p.finnhubIndustry,
    industry: null,
    country: p.country,
    description: null,
    website: p.weburl,
    employees: null,
  };
}

const candleSchema = z.union([
  z.object({
    s: z.literal('ok'),
    c: z.array(z.unknown()),
    h: z.array(z.unknown()),
    l: z.array(z.unknown()),
    o: z.array(z.unknown()),
    t: z.array(z.unknown()),
    v: z.array(z.unknown()),
  }),
  z.object({ s: z.literal('no_data') }),
]);

/**
 * `/stock/candle` (resolution D): bars oldest first, or null for `no_data`. Finnhub's
 * daily candles are split-adjusted but not dividend-adjusted, so adjClose = close.
 */
export function mapFinnhubCandles(body: unknown): Mapped<PriceBar[]> | null {
  const candles = parseEnvelope(PROVIDER, 'stock/candle', candleSchema, body);
  if (candles.s === 'no_data') return null;
  const rows = candles.t.map((t, i) => ({
    t,
    o: candles.o[i],
    h: candles.h[i],
    l: candles.l[i],
    c: candles.c[i],
    v: candles.v[i],
  }));
  const mapped = mapEach(
    z.object({ t: numeric, o: numeric, h: numeric, l: numeric, c: numeric, v: numeric }),
    rows,
    (r) => ({
      date: new Date(r.t * 1_000).toISOString().slice(0, 10),
      open: r.o,
      high: r.h,
      low: r.l,
      close: r.c,
      adjClose: r.c,
      volume: r.v,
    }),
  );
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return mapped;
}

const searchSchema = z.object({ result: z.array(z.unknown()) });

/** `/search`: matches as profiles carrying what search knows. */
export function mapFinnhubSearch(body: unknown): Mapped<CompanyProfile[]> {
  const { result } = parseEnvelope(PROVIDER, 'search', searchSchema, body);
  return mapEach(
    z.object({ symbol: z.string().min(1), description: z.string().min(1) }),
    result,
    (m) => searchProfile({ symbol: m.symbol, name: m.description }),
  );
}

/** One trade from Finnhub's WebSocket stream. */
export type { Trade };

const tradeMessageSchema = z.union([
  z.object({ type: z.literal('trade'), data: z.array(z.unknown()) }),
  z.object({ type: z.literal('ping') }),
]);

/**
 * A message of the trade stream (wss://ws.finnhub.io): the trades it carries; none for
 * a ping. Malformed trades are dropped and counted.
 */
export function mapFinnhubTradeMessage(body: unknown): Mapped<Trade[]> {
  const message = parseEnvelope(PROVIDER, 'trade message', tradeMessageSchema, body);
  if (message.type === 'ping') return { value: [], invalid: 0 };
  return mapEach(
    z.object({ s: z.string().min(1), p: numeric, v: numeric, t: numeric }),
    message.data,
    (t) => ({ symbol: t.s, price: t.p, volume: t.v, timestamp: new Date(t.t) }),
  );
}
