import Decimal from 'decimal.js';
import {
  applyToHoldings,
  inLedgerOrder,
  type HoldingsAndCash,
  type LedgerEntry,
} from '../domain/ledger';
import type { PriceBar } from '../domain/market';
import { timeWeightedReturn, xirr, type CashFlow, type ValuedDay } from '../domain/performance';
import { BadUserInputError } from '../errors/errors';
import type { MarketLoaders } from '../loaders/market.loaders';

// The close of a symbol on or before each date (carried forward over gaps).
function closeLookup(bars: readonly PriceBar[]) {
  let i = 0;
  let last: number | null = null;
  return (date: string): number | null => {
    while (i < bars.length && bars[i].date <= date) {
      last = bars[i].close;
      i += 1;
    }
    return last;
  };
}

/** What one entry does to cash, a symbol's quantity and the external flows, as numbers. */
interface Effect {
  cash: number;
  flow: number;
  symbol: string | null;
  /** Added to the quantity; unless `ratio` is set (a split), which multiplies it. */
  quantity: number;
  ratio: number | null;
}

/** A ledger's entries in ledger order, whether it records trades only, and their effects. */
interface PreparedLedger {
  ordered: LedgerEntry[];
  tradesOnly: boolean;
  effects: Effect[];
}

// Per ledger (the cached ledger's entries array): computed once, read by every request.
const prepared = new WeakMap<readonly LedgerEntry[], PreparedLedger>();

// Cash moves computed exactly (as applyToHoldings moves them), then made numbers once.
function prepareLedger(entries: readonly LedgerEntry[]): PreparedLedger {
  const known = prepared.get(entries);
  if (known) return known;
  const ordered = inLedgerOrder(entries, (entry) => entry.date).map(({ item }) => item);
  const tradesOnly = !entries.some((e) => e.type === 'DEPOSIT' || e.type === 'WITHDRAWAL');
  const effects = ordered.map((entry): Effect => {
    const state: HoldingsAndCash = { cash: new Decimal(0), open: new Map() };
    if (entry.type === 'SPLIT') {
      return {
        cash: 0,
        flow: 0,
        symbol: entry.symbol,
        quantity: 0,
        ratio: entry.ratio!.toNumber(),
      };
    }
    applyToHoldings(state, entry);
    const trade =
      entry.type === 'BUY' ? entry.quantity! : entry.type === 'SELL' ? entry.quantity!.neg() : null;
    const external =
      entry.type === 'DEPOSIT'
        ? entry.amount!.toNumber()
        : entry.type === 'WITHDRAWAL'
          ? -entry.amount!.toNumber()
          : 0;
    return {
      cash: state.cash.toNumber(),
      flow: tradesOnly ? (trade ? -state.cash.toNumber() : 0) : external,
      symbol: trade ? entry.symbol : null,
      quantity: trade ? trade.toNumber() : 0,
      ratio: null,
    };
  });
  const ledger = { ordered, tradesOnly, effects };
  prepared.set(entries, ledger);
  return ledger;
}

/**
 * Performance over [from, to]: a daily value series (holdings at each day's close plus
 * cash) with external flows, the time-weighted return, and XIRR (annualised,
 * Actual/365). External flows are DEPOSIT and WITHDRAWAL; a ledger without any (one
 * that records trades only) uses its buys (money in) and sells (money out) instead, and
 * then holds only dividends and fees as cash.
 */
export async function performanceOf(
  entries: readonly LedgerEntry[],
  loaders: MarketLoaders,
  range: { from?: string | null; to?: string | null },
  today: string,
) {
  const { ordered, tradesOnly, effects } = prepareLedger(entries);
  const first = ordered[0]?.date ?? today;
  const from = range.from ?? first;
  const to = range.to ?? today;
  if (from > to)
    throw new BadUserInputError(`from (${from}) is after to (${to})`, { argument: 'from' });
  const symbols = [...new Set(entries.map((e) => e.symbol).filter((s): s is string => !!s))];
  const series = await loaders.history.loadMany(symbols);
  const closes = series.map((bars) =>
    closeLookup(bars instanceof Error ? [] : ((bars as PriceBar[] | null) ?? [])),
  );
  const indexOf = new Map(symbols.map((symbol, i) => [symbol, i]));
  const days = [
    ...new Set(
      series.flatMap((bars) => (bars instanceof Error || !bars ? [] : bars.map((b) => b.date))),
    ),
  ]
    .filter((d) => d >= from && d <= to)
    .sort();

  // Each entry's effect on cash, quantity and external flows, as numbers computed once
  // per ledger: a day's value is one product per symbol, and a replay of the ledger is
  // additions, not decimal arithmetic over lots.
  const quantities = new Float64Array(symbols.length);
  let cash = 0;
  let cursor = 0;
  let flowsSoFar = 0;
  const valueAt = (date: string) => {
    let mv = 0;
    for (let i = 0; i < quantities.length; i += 1) {
      // Every lookup advances with the dates, held or not, so each walks its bars once.
      const close = closes[i](date);
      if (close !== null && quantities[i] !== 0) mv += quantities[i] * close;
    }
    // Trades-only ledgers keep trade money outside the portfolio.
    return mv + cash + (tradesOnly ? flowsSoFar : 0);
  };
  const advance = (through: string) => {
    let flow = 0;
    while (cursor < ordered.length && ordered[cursor].date <= through) {
      const effect = effects[cursor];
      flow += effect.flow;
      cash += effect.cash;
      if (effect.symbol !== null) {
        const i = indexOf.get(effect.symbol)!;
        quantities[i] =
          effect.ratio === null ? quantities[i] + effect.quantity : quantities[i] * effect.ratio;
      }
      cursor += 1;
    }
    flowsSoFar += flow;
    return flow;
  };
  const before = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  advance(before);
  const startValue = valueAt(before);
  const valued: ValuedDay[] = days.map((date) => {
    const flow = advance(date);
    return { date, value: valueAt(date), flow };
  });
  const endValue = valued.length ? valued[valued.length - 1].value : startValue;
  const cashFlows: CashFlow[] = [
    ...(startValue !== 0 ? [{ date: before, amount: -startValue }] : []),
    ...valued.filter((d) => d.flow !== 0).map((d) => ({ date: d.date, amount: -d.flow })),
    { date: valued.length ? valued[valued.length - 1].date : to, amount: endValue },
  ];
  return {
    from,
    to,
    startValue,
    endValue,
    netFlows: valued.reduce((s, d) => s + d.flow, 0),
    timeWeightedReturn: timeWeightedReturn(startValue, valued),
    moneyWeightedReturn: xirr(cashFlows),
    flowBasis: tradesOnly ? 'TRADES' : 'DEPOSITS',
  };
}
