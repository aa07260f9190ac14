import { z } from 'zod';
import type { BrokerHolding, BrokerPosition, BrokerSession, BrokerTrade } from '../broker-client';
import {
  brokerHolding,
  brokerNumber as number,
  brokerText as text,
  brokerTrade,
  exactDecimal as exact,
  holdingSchema,
  nextUtcTime,
  tradeFields,
} from '../broker-payload';

const sessionSchema = z.object({
  access_token: z.string().min(1).max(512),
  user_id: text,
});

const tradeSchema = z.object({
  ...tradeFields,
  // "2024-05-02 09:15:02" in IST; the client turns 19-character stamps into Dates read in
  // the process's time zone, whose local fields are then that same IST wall clock.
  fill_timestamp: z.union([z.string(), z.date()]).nullish(),
  exchange_timestamp: z.union([z.string(), z.date()]).nullish(),
});

const positionSchema = z.object({
  exchange: text,
  tradingsymbol: text,
  quantity: number,
});

const positionsSchema = z.object({ day: z.array(positionSchema), net: z.array(positionSchema) });

/** The next 06:00 IST (00:30 UTC) after `now`: when Kite expires the day's tokens. */
export function kiteTokenExpiry(now: Date): Date {
  return nextUtcTime(now, 0, 30);
}

function dayOf(stamp: string | Date | null | undefined): string | null {
  if (stamp instanceof Date) {
    if (Number.isNaN(stamp.getTime())) return null;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${stamp.getFullYear()}-${pad(stamp.getMonth() + 1)}-${pad(stamp.getDate())}`;
  }
  const match = /^(\d{4}-\d{2}-\d{2})[ T]/.exec(stamp ?? '');
  return match ? match[1] : null;
}

/** Thrown by the mappers when a payload is not in Kite's documented format. */
export class KitePayloadError extends Error {}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new KitePayloadError(`${what} not in Kite's documented format`);
  return parsed.data;
}

/** `POST /session/token`'s data. */
export function kiteSession(data: unknown, now: Date): BrokerSession {
  const session = parse(sessionSchema, data, 'session');
  return {
    accessToken: session.access_token,
    brokerUserId: session.user_id,
    expiresAt: kiteTokenExpiry(now),
  };
}

const timeOf = (stamp: string | Date | null | undefined) =>
  stamp instanceof Date ? stamp.getTime() : stamp ? Date.parse(stamp.replace(' ', 'T')) : NaN;

/**
 * `GET /trades`' data, in fill order (a day's sell replays after that day's buy); a fill
 * without a time stamp is dated `today` (the endpoint lists the day's trades).
 */
export function kiteTrades(data: unknown, today: string): BrokerTrade[] {
  const trades = parse(z.array(tradeSchema), data, 'trades')
    .map((t, index) => ({ t, index, time: timeOf(t.fill_timestamp ?? t.exchange_timestamp) }))
    .sort((a, b) => (a.time || 0) - (b.time || 0) || a.index - b.index)
    .map(({ t }) => t);
  return trades.map((t) =>
    brokerTrade(t, dayOf(t.fill_timestamp) ?? dayOf(t.exchange_timestamp) ?? today),
  );
}

/** `GET /portfolio/holdings`' data: settled and T+1 quantities together. */
export function kiteHoldings(data: unknown): BrokerHolding[] {
  return parse(z.array(holdingSchema), data, 'holdings').map(brokerHolding);
}

/** `GET /portfolio/positions`' data: the `day` positions (today's net quantities). */
export function kitePositions(data: unknown): BrokerPosition[] {
  return parse(positionsSchema, data, 'positions').day.map((p) => ({
    exchange: p.exchange,
    tradingSymbol: p.tradingsymbol,
    quantity: exact(p.quantity),
  }));
}
