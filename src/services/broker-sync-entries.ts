import Decimal from 'decimal.js';
import type {
  BrokerHolding,
  BrokerName,
  BrokerPosition,
  BrokerTrade,
} from '../datasources/brokers/broker-client';
import { normalizeSymbol, NSE_SERIES_SUFFIX } from '../domain/symbols';
import type { ExternalEntry } from './portfolio.service';

/** Exchanges whose instruments are ledger symbols (cash equities). */
const EQUITY_EXCHANGES = new Set(['NSE', 'BSE']);

/** The prefix of the external ids a broker's entries carry. */
const PREFIX: Record<BrokerName, string> = { KITE: 'kite', UPSTOX: 'upstox' };

/**
 * A broker's trading symbol as a ledger symbol, as the Zerodha CSV imports read it:
 * INFY-BE is INFY (the series is dropped), BAJAJ-AUTO stays BAJAJ-AUTO.
 */
export function ledgerSymbolOf(exchange: string, tradingSymbol: string): string | null {
  if (!EQUITY_EXCHANGES.has(exchange.toUpperCase())) return null;
  const result = normalizeSymbol(tradingSymbol.trim().replace(NSE_SERIES_SUFFIX, ''));
  return 'symbol' in result ? result.symbol : null;
}

/**
 * A broker's price at the ledger's precision: brokers answer binary doubles (an average
 * price of 1520.1234567890123), whose digits past the tenth decimal are float noise, far
 * below a paisa or a cent. Rounded half-even to 10 decimals, on purpose.
 */
function ledgerPrice(price: string): string {
  return new Decimal(price).toDecimalPlaces(10, Decimal.ROUND_HALF_EVEN).toFixed();
}

/** What one sync writes, and what the broker says the ledger should hold. */
export interface SyncPlan {
  entries: ExternalEntry[];
  /** The broker's quantity per symbol: holdings plus the day's net positions. */
  expected: Map<string, Decimal>;
  /** Instruments left out (not a cash equity, or a symbol the ledger cannot hold). */
  problems: Array<{ message: string }>;
}

/**
 * Turns what a broker returned into ledger entries. Each trade is a BUY or SELL with
 * external id `<broker>:<trade id>`. With `openingHoldings` (the first sync of a
 * connection), each holding the ledger holds less of than the broker becomes an
 * opening BUY of the difference at the broker's average price dated `today`, with
 * external id `<broker>:holding:<symbol>` (so at most once per portfolio), listed
 * before the trades so that a sale today of an old holding replays.
 */
export function syncEntries(input: {
  broker: BrokerName;
  holdings: readonly BrokerHolding[];
  positions: readonly BrokerPosition[];
  trades: readonly BrokerTrade[];
  ledgerOpen: ReadonlyMap<string, Decimal>;
  openingHoldings: boolean;
  today: string;
}): SyncPlan {
  const prefix = PREFIX[input.broker];
  const problems: Array<{ message: string }> = [];
  const expected = new Map<string, Decimal>();
  const add = (symbol: string, quantity: string) =>
    expected.set(symbol, (expected.get(symbol) ?? new Decimal(0)).plus(quantity));
  const skip = (what: string, exchange: string, tradingSymbol: string) =>
    problems.push({
      message: `${what} ${exchange}:${tradingSymbol} not synced: only NSE and BSE equities are`,
    });

  const entries: ExternalEntry[] = [];
  for (const holding of input.holdings) {
    const symbol = ledgerSymbolOf(holding.exchange, holding.tradingSymbol);
    if (!symbol) {
      skip('holding', holding.exchange, holding.tradingSymbol);
      continue;
    }
    add(symbol, holding.quantity);
    if (!input.openingHoldings) continue;
    const missing = new Decimal(holding.quantity).minus(input.ledgerOpen.get(symbol) ?? 0);
    if (missing.lte(0)) continue;
    entries.push({
      externalId: `${prefix}:holding:${symbol}`,
      entry: {
        type: 'BUY',
        date: input.today,
        symbol,
        quantity: missing.toFixed(),
        price: ledgerPrice(holding.averagePrice),
        fee: '0',
        amount: null,
        ratio: null,
        note: `${prefix} holdings on the first sync`,
      },
    });
  }
  for (const position of input.positions) {
    const symbol = ledgerSymbolOf(position.exchange, position.tradingSymbol);
    if (symbol) add(symbol, position.quantity);
  }
  for (const trade of input.trades) {
    const symbol = ledgerSymbolOf(trade.exchange, trade.tradingSymbol);
    if (!symbol) {
      skip(`trade ${trade.tradeId}`, trade.exchange, trade.tradingSymbol);
      continue;
    }
    entries.push({
      // Exchanges number their trades apart: the exchange is part of the id.
      externalId: `${prefix}:${trade.exchange.toUpperCase()}:${trade.tradeId}`,
      entry: {
        type: trade.side,
        date: trade.date,
        symbol,
        quantity: trade.quantity,
        price: ledgerPrice(trade.price),
        fee: '0',
        amount: null,
        ratio: null,
        note: `${prefix} trade ${trade.tradeId} (order ${trade.orderId})`.slice(0, 200),
      },
    });
  }
  return { entries, expected, problems };
}
