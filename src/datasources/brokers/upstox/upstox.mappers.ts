import Decimal from 'decimal.js';
import { z } from 'zod';
import type { BrokerHolding, BrokerPosition, BrokerSession, BrokerTrade } from '../broker-client';
import {
  brokerHolding,
  brokerNumber as number,
  brokerText as text,
  brokerTrade,
  holdingSchema,
  nextUtcTime,
  tradeFields,
} from '../broker-payload';

/** Every Upstox answer: `{status: "success", data}`. */
const envelopeSchema = z.object({ status: z.literal('success'), data: z.unknown() });

/** An Upstox failure: `{status: "error", errors: [{errorCode, message}]}`. */
const errorSchema = z.object({
  status: z.literal('error'),
  errors: z
    .array(
      z.object({
        errorCode: z.string().optional(),
        error_code: z.string().optional(),
        message: z.string().optional(),
      }),
    )
    .min(1),
});

// The token endpoint answers the profile and the token at the top level (no envelope).
const sessionSchema = z.object({
  access_token: z.string().min(1).max(4096),
  user_id: text,
});

const tradeSchema = z.object({
  ...tradeFields,
  // "03-Aug-2017 15:03:42", the exchange's (IST) wall clock.
  exchange_timestamp: z.string().nullish(),
  order_timestamp: z.string().nullish(),
});

const positionSchema = z.object({
  exchange: text,
  tradingsymbol: text,
  day_buy_quantity: number.nonnegative().default(0),
  day_sell_quantity: number.nonnegative().default(0),
});

/** Thrown by the mappers when a payload is not in Upstox's documented format. */
export class UpstoxPayloadError extends Error {}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UpstoxPayloadError(`${what} not in Upstox's documented format`);
  return parsed.data;
}

/** The `data` of a `{status: "success", data}` answer. */
export function upstoxData(body: unknown, what: string): unknown {
  return parse(envelopeSchema, body, what).data;
}

/** The first `{errorCode, message}` of an Upstox error answer, or null when it is none. */
export function upstoxError(body: unknown): { code: string | null; message: string | null } | null {
  const parsed = errorSchema.safeParse(body);
  if (!parsed.success) return null;
  const [first] = parsed.data.errors;
  return { code: first.errorCode ?? first.error_code ?? null, message: first.message ?? null };
}

/**
 * The next 03:30 IST (22:00 UTC) after `now`: an Upstox token lasts until 03:30 the
 * following morning, whenever it was made (one made at 02:30 dies at 03:30 the same day).
 */
export function upstoxTokenExpiry(now: Date): Date {
  return nextUtcTime(now, 22, 0);
}

/** `POST /v2/login/authorization/token`'s answer. */
export function upstoxSession(body: unknown, now: Date): BrokerSession {
  const session = parse(sessionSchema, body, 'session');
  return {
    accessToken: session.access_token,
    brokerUserId: session.user_id,
    expiresAt: upstoxTokenExpiry(now),
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** "03-Aug-2017 15:03:42" (or an ISO stamp) as its day and seconds of that wall clock. */
function stampOf(stamp: string | null | undefined): { day: string; time: number } | null {
  if (!stamp) return null;
  const named = /^(\d{2})-([A-Za-z]{3})-(\d{4})(?: (\d{2}):(\d{2}):(\d{2}))?/.exec(stamp);
  if (named) {
    const month = MONTHS.indexOf(named[2].toLowerCase());
    if (month < 0) return null;
    const day = `${named[3]}-${String(month + 1).padStart(2, '0')}-${named[1]}`;
    const [h, m, s] = [named[4], named[5], named[6]].map((v) => Number(v ?? 0));
    return { day, time: Date.parse(`${day}T00:00:00Z`) + ((h * 60 + m) * 60 + s) * 1_000 };
  }
  const iso = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(stamp);
  if (!iso) return null;
  const time = Date.parse(`${iso[1]}T${iso[2]}Z`);
  return Number.isNaN(time) ? null : { day: iso[1], time };
}

/**
 * `GET /v2/order/trades/get-trades-for-day`'s data, in fill order (a day's sell replays
 * after that day's buy); a fill without a readable time stamp is dated `today`.
 */
export function upstoxTrades(data: unknown, today: string): BrokerTrade[] {
  return parse(z.array(tradeSchema), data, 'trades')
    .map((t, index) => ({ t, index, stamp: stampOf(t.exchange_timestamp ?? t.order_timestamp) }))
    .sort((a, b) => (a.stamp?.time ?? 0) - (b.stamp?.time ?? 0) || a.index - b.index)
    .map(({ t, stamp }) => brokerTrade(t, stamp?.day ?? today));
}

/** `GET /v2/portfolio/long-term-holdings`' data: settled and T+1 quantities together. */
export function upstoxHoldings(data: unknown): BrokerHolding[] {
  return parse(z.array(holdingSchema), data, 'holdings').map(brokerHolding);
}

/**
 * `GET /v2/portfolio/short-term-positions`' data as the day's net quantities (bought
 * minus sold today); carried-over quantities are the holdings' part.
 */
export function upstoxPositions(data: unknown): BrokerPosition[] {
  return parse(z.array(positionSchema), data, 'positions').map((p) => ({
    exchange: p.exchange,
    tradingSymbol: p.tradingsymbol,
    quantity: new Decimal(String(p.day_buy_quantity)).minus(String(p.day_sell_quantity)).toFixed(),
  }));
}
