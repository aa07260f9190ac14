import Decimal from 'decimal.js';
import { z } from 'zod';
import type { BrokerHolding, BrokerTrade } from './broker-client';

// What Kite's and Upstox's payloads share: numbers as JSON numbers (their decimal text is
// kept exactly), short identifiers, the fields of a trade and of a holding.

/** A finite JSON number. */
export const brokerNumber = z.number().finite();

/** The decimal text of a JSON number the broker sent. */
export const exactDecimal = (value: number) => new Decimal(String(value)).toFixed();

/** An identifier: an exchange, a trading symbol, a user id. */
export const brokerText = z.string().trim().min(1).max(64);

/** The fields every broker's trade carries (each adds its own time stamps). */
export const tradeFields = {
  trade_id: z.union([brokerText, z.number().int()]).transform(String),
  order_id: z.union([brokerText, z.number().int()]).transform(String),
  exchange: brokerText,
  tradingsymbol: brokerText,
  transaction_type: z.enum(['BUY', 'SELL']),
  quantity: brokerNumber.positive(),
  average_price: brokerNumber.positive(),
};

type TradeFields = z.infer<z.ZodObject<typeof tradeFields>>;

/** A parsed trade as a {@link BrokerTrade} dated `date`. */
export function brokerTrade(t: TradeFields, date: string): BrokerTrade {
  return {
    tradeId: t.trade_id,
    orderId: t.order_id,
    exchange: t.exchange,
    tradingSymbol: t.tradingsymbol,
    side: t.transaction_type,
    quantity: exactDecimal(t.quantity),
    price: exactDecimal(t.average_price),
    date,
  };
}

/** A long-term holding, as both brokers list it. */
export const holdingSchema = z.object({
  exchange: brokerText,
  tradingsymbol: brokerText,
  quantity: brokerNumber.nonnegative(),
  t1_quantity: brokerNumber.nonnegative().default(0),
  average_price: brokerNumber.nonnegative(),
});

/** A parsed holding as a {@link BrokerHolding}: settled and T+1 quantities together. */
export function brokerHolding(h: z.infer<typeof holdingSchema>): BrokerHolding {
  return {
    exchange: h.exchange,
    tradingSymbol: h.tradingsymbol,
    quantity: new Decimal(String(h.quantity)).plus(String(h.t1_quantity)).toFixed(),
    averagePrice: exactDecimal(h.average_price),
  };
}

/** The next `hour`:`minute` UTC after `now`: when a broker expires the day's tokens. */
export function nextUtcTime(now: Date, hour: number, minute: number): Date {
  const at = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour, minute, 0, 0),
  );
  if (at <= now) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}
