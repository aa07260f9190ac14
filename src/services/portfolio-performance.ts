import Decimal from 'decimal.js';
import {
  applyToHoldings,
  inLedgerOrder,
  type HoldingsAndCash,
  type LedgerEntry,
} from '../domain/ledger';
import { attributeReturn, type ReturnAttribution } from '../domain/attribution';
import type { PriceBar } from '../domain/market';
import {
  timeWeightedReturn,
  twrIndex,
  xirr,
  type CashFlow,
  type IndexPoint,
  type ValuedDay,
} from '../domain/performance';
import { maxDrawdownOf, sortinoRatio } from '../domain/portfolio-risk';
import { BadUserInputError } from '../errors/errors';
import type { MarketLoaders } from '../loaders/market.loaders';
import type { PortfolioBook } from './portfolio-currency';

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

/** Running totals over the entries in ledger order: item i sums the first i entries. */
interface RunningTotals {
  /** DIVIDEND amounts. */
  dividends: Decimal[];
  /** FEE amounts and the commissions of buys and sells. */
  fees: Decimal[];
  /** quantity × price of buys − of sells. */
  purchases: Decimal[];
}

/** A ledger's entries in ledger order, whether it records trades only, and their effects. */
interface PreparedLedger {
  ordered: LedgerEntry[];
  tradesOnly: boolean;
  effects: Effect[];
  totals: RunningTotals;
}

const ZERO = new Decimal(0);

/** How the performance converts money to the base currency (a PortfolioBook). */
export type PerformanceCurrency = Pick<PortfolioBook, 'currencyOf' | 'rateOn' | 'single' | 'base'>;

/** Nothing to convert: every amount is in the base currency. */
const SAME_CURRENCY: PerformanceCurrency = {
  base: '',
  single: true,
  currencyOf: () => '',
  rateOn: () => 1,
};

// The rate of an entry's money to the base currency on its date (1 without a symbol:
// DEPOSIT, WITHDRAWAL and FEE amounts are in the base currency).
function entryRate(entry: LedgerEntry, fx: PerformanceCurrency): number {
  if (fx.single || !entry.symbol) return 1;
  return fx.rateOn(fx.currencyOf(entry.symbol), entry.date);
}

// Exact sums of the attribution's terms, so that those of any range are two lookups.
function runningTotals(ordered: readonly LedgerEntry[], rates: readonly number[]): RunningTotals {
  const totals: RunningTotals = { dividends: [ZERO], fees: [ZERO], purchases: [ZERO] };
  ordered.forEach((entry, i) => {
    const rate = rates[i] === 1 ? null : new Decimal(rates[i]);
    const based = (value: Decimal) => (rate ? value.times(rate) : value);
    const notional =
      entry.type === 'BUY' || entry.type === 'SELL'
        ? based(entry.quantity!.times(entry.price!))
        : ZERO;
    const fee =
      entry.type === 'FEE'
        ? entry.amount!
        : entry.type === 'BUY' || entry.type === 'SELL'
          ? based(entry.fee)
          : ZERO;
    totals.dividends.push(
      totals.dividends.at(-1)!.plus(entry.type === 'DIVIDEND' ? based(entry.amount!) : ZERO),
    );
    totals.fees.push(totals.fees.at(-1)!.plus(fee));
    totals.purchases.push(
      totals.purchases.at(-1)!.plus(entry.type === 'SELL' ? notional.neg() : notional),
    );
  });
  return totals;
}

// Per ledger (the cached ledger's entries array) and base currency: computed once, read
// by every request.
const prepared = new WeakMap<readonly LedgerEntry[], Map<string, PreparedLedger>>();

// Cash moves computed exactly (as applyToHoldings moves them), then made numbers once,
// in the base currency at each entry's date.
function prepareLedger(entries: readonly LedgerEntry[], fx: PerformanceCurrency): PreparedLedger {
  let byBase = prepared.get(entries);
  if (!byBase) {
    byBase = new Map();
    prepared.set(entries, byBase);
  }
  const key = fx.single ? '' : fx.base;
  const known = byBase.get(key);
  if (known) return known;
  const ordered = inLedgerOrder(entries, (entry) => entry.date).map(({ item }) => item);
  const tradesOnly = !entries.some((e) => e.type === 'DEPOSIT' || e.type === 'WITHDRAWAL');
  const rates = ordered.map((entry) => entryRate(entry, fx));
  const effects = ordered.map((entry, i): Effect => {
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
    const cash = state.cash.toNumber() * rates[i];
    return {
      cash,
      flow: tradesOnly ? (trade ? -cash : 0) : external,
      symbol: trade ? entry.symbol : null,
      quantity: trade ? trade.toNumber() : 0,
      ratio: null,
    };
  });
  const ledger = { ordered, tradesOnly, effects, totals: runningTotals(ordered, rates) };
  byBase.set(key, ledger);
  return ledger;
}

/** Performance over a range, as {@link performanceOf} computes it. */
export interface PerformanceView {
  from: string;
  to: string;
  startValue: number;
  endValue: number;
  netFlows: number;
  timeWeightedReturn: number | null;
  moneyWeightedReturn: number | null;
  flowBasis: 'TRADES' | 'DEPOSITS';
  maxDrawdown: number | null;
  maxDrawdownDuration: number | null;
  maxDrawdownPeak: string | null;
  maxDrawdownTrough: string | null;
  maxDrawdownRecovery: string | null;
  sortinoRatio: number | null;
  attribution: ReturnAttribution;
  /** The daily time-weighted index over the range, for benchmark comparisons (not a field). */
  index: IndexPoint[] | null;
}

/**
 * Performance over [from, to]: a daily value series (holdings at each day's close plus
 * cash) with external flows, the time-weighted return, XIRR (annualised, Actual/365),
 * the maximum drawdown and Sortino ratio of the time-weighted index, and the
 * attribution of the range's return. External flows are DEPOSIT and WITHDRAWAL; a
 * ledger without any (one that records trades only) uses its buys (money in) and sells
 * (money out) instead, and then holds only dividends and fees as cash. `riskFreeRate`
 * (annual) is the Sortino ratio's.
 */
export async function performanceOf(
  entries: readonly LedgerEntry[],
  loaders: Pick<MarketLoaders, 'history'>,
  range: { from?: string | null; to?: string | null },
  today: string,
  riskFreeRate = 0,
  fx: PerformanceCurrency = SAME_CURRENCY,
): Promise<PerformanceView> {
  const { ordered, tradesOnly, effects, totals } = prepareLedger(entries, fx);
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
  const currencies = symbols.map((symbol) => fx.currencyOf(symbol));
  const rateOf = fx.single ? () => 1 : (i: number, date: string) => fx.rateOn(currencies[i], date);
  // Each symbol's close (listing currency) and rate at the last day valued.
  const lastClose = new Float64Array(symbols.length).fill(Number.NaN);
  const lastRate = new Float64Array(symbols.length).fill(1);
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
  // A day's value, and its holdings' market value (null when a held symbol has no
  // close by then: the value counts it as 0, the attribution cannot).
  const valueAt = (date: string) => {
    let mv = 0;
    let priced = true;
    for (let i = 0; i < quantities.length; i += 1) {
      // Every lookup advances with the dates, held or not, so each walks its bars once.
      const close = closes[i](date);
      const rate = rateOf(i, date);
      lastClose[i] = close ?? Number.NaN;
      lastRate[i] = rate;
      if (quantities[i] === 0) continue;
      if (close === null) priced = false;
      else mv += quantities[i] * close * rate;
    }
    // Trades-only ledgers keep trade money outside the portfolio.
    return { value: mv + cash + (tradesOnly ? flowsSoFar : 0), marketValue: priced ? mv : null };
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
  const start = valueAt(before);
  const startValue = start.value;
  const startCursor = cursor;
  let endMarketValue = start.marketValue;
  // The currency's part of the holdings' change: each day, what was held at the last
  // close (in its listing currency) × the change of its rate since.
  let currency = 0;
  const valued: ValuedDay[] = days.map((date) => {
    if (!fx.single) {
      for (let i = 0; i < quantities.length; i += 1) {
        if (quantities[i] === 0 || Number.isNaN(lastClose[i])) continue;
        currency += quantities[i] * lastClose[i] * (rateOf(i, date) - lastRate[i]);
      }
    }
    const flow = advance(date);
    const { value, marketValue } = valueAt(date);
    endMarketValue = marketValue;
    return { date, value, flow };
  });
  const endValue = valued.length ? valued[valued.length - 1].value : startValue;
  const cashFlows: CashFlow[] = [
    ...(startValue !== 0 ? [{ date: before, amount: -startValue }] : []),
    ...valued.filter((d) => d.flow !== 0).map((d) => ({ date: d.date, amount: -d.flow })),
    { date: valued.length ? valued[valued.length - 1].date : to, amount: endValue },
  ];
  const inRange = (running: Decimal[]) => running[cursor].minus(running[startCursor]).toNumber();
  const index = twrIndex(before, startValue, valued);
  const drawdown = index && maxDrawdownOf(index);
  return {
    from,
    to,
    startValue,
    endValue,
    netFlows: valued.reduce((s, d) => s + d.flow, 0),
    timeWeightedReturn: timeWeightedReturn(startValue, valued),
    moneyWeightedReturn: xirr(cashFlows),
    flowBasis: tradesOnly ? 'TRADES' : 'DEPOSITS',
    maxDrawdown: drawdown?.depth ?? null,
    maxDrawdownDuration: drawdown?.durationDays ?? null,
    maxDrawdownPeak: drawdown?.peak ?? null,
    maxDrawdownTrough: drawdown?.trough ?? null,
    maxDrawdownRecovery: drawdown?.recovery ?? null,
    sortinoRatio: index && sortinoRatio(index, riskFreeRate),
    attribution: attributeReturn({
      startMarketValue: start.marketValue,
      endMarketValue,
      netPurchases: inRange(totals.purchases),
      dividends: inRange(totals.dividends),
      fees: inRange(totals.fees),
      // Market values above are in the base currency; this is the part of their
      // change due to the rates (0 when everything is listed in the base currency).
      currency,
    }),
    index,
  };
}
