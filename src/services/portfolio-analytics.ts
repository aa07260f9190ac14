import Decimal from 'decimal.js';
import { positionsOf, type LedgerState } from '../domain/ledger';
import { ratio, sampleCovariance, sampleVariance } from '../domain/analytics';
import type { CompanyProfile, Quote } from '../domain/market';
import { correlation } from '../domain/performance';
import type { MarketLoaders } from '../loaders/market.loaders';
import type { PortfolioBook } from './portfolio-currency';

/** A holding's money in its listing currency. */
export interface LocalValues {
  currency: string;
  averageCost: number;
  costBasis: number;
  marketValue: number | null;
  unrealizedPnl: number | null;
  dayChange: number | null;
}

/**
 * One open position, valued. Money in the portfolio's base currency: cost at each lot's
 * buy rate, market value at today's; `local` has the same in the listing currency.
 */
export interface HoldingView {
  symbol: string;
  quantity: number;
  /** The listing currency. */
  currency: string;
  /** Units of the base currency for one unit of the listing currency, today. */
  fxRate: number;
  averageCost: number;
  costBasis: number;
  price: number | null;
  marketValue: number | null;
  unrealizedPnl: number | null;
  /** The currency's part of unrealizedPnl: local cost at today's rate − at the buys'. */
  unrealizedFxPnl: number | null;
  unrealizedPnlPercent: number | null;
  /** marketValue / total market value of the holdings. */
  weight: number | null;
  /** quantity × the quote's change today, at today's rate. */
  dayChange: number | null;
  quote: Quote | null;
  local: LocalValues;
}

const n = (d: Decimal) => d.toNumber();

// A request's loaders and a book value the same holdings for every field that needs
// them (holdings, valuation, allocation, income, risk): once per request.
const valuedHoldings = new WeakMap<MarketLoaders, WeakMap<LedgerState, Promise<HoldingView[]>>>();

/**
 * Holdings valued with one batched quote load for all of them; computed once per
 * loaders (a request's, or a live recomputation's) and book, whose state must not
 * change afterwards (ledger states from PortfolioService do not). The views are
 * shared: callers only read them.
 */
export function holdingsOf(book: PortfolioBook, loaders: MarketLoaders): Promise<HoldingView[]> {
  let byState = valuedHoldings.get(loaders);
  if (!byState) {
    byState = new WeakMap();
    valuedHoldings.set(loaders, byState);
  }
  let holdings = byState.get(book.state);
  if (!holdings) {
    holdings = valueHoldings(book, loaders);
    byState.set(book.state, holdings);
  }
  return holdings;
}

async function valueHoldings(book: PortfolioBook, loaders: MarketLoaders): Promise<HoldingView[]> {
  const positions = positionsOf(book.state);
  const quotes = await loaders.quote.loadMany(positions.map((p) => p.symbol));
  const views = positions.map((p, i) => {
    const loaded = quotes[i];
    const quote = loaded instanceof Error ? null : loaded;
    const currency = book.currencyOf(p.symbol);
    const fxRate = book.rateNow(currency);
    const rate = new Decimal(fxRate);
    const localValue = quote ? p.quantity.times(quote.price) : null;
    const localDay = quote ? p.quantity.times(quote.change) : null;
    const marketValue = localValue ? localValue.times(rate) : null;
    const unrealized = marketValue ? marketValue.minus(p.costBasisBase) : null;
    return {
      symbol: p.symbol,
      quantity: n(p.quantity),
      currency,
      fxRate,
      averageCost: n(p.costBasisBase.div(p.quantity)),
      costBasis: n(p.costBasisBase),
      price: quote?.price ?? null,
      marketValue: marketValue ? n(marketValue) : null,
      unrealizedPnl: unrealized ? n(unrealized) : null,
      unrealizedFxPnl: quote ? n(p.costBasis.times(rate).minus(p.costBasisBase)) : null,
      unrealizedPnlPercent:
        unrealized && !p.costBasisBase.isZero() ? n(unrealized.div(p.costBasisBase)) : null,
      weight: null as number | null,
      dayChange: localDay ? n(localDay.times(rate)) : null,
      quote,
      local: {
        currency,
        averageCost: n(p.averageCost),
        costBasis: n(p.costBasis),
        marketValue: localValue ? n(localValue) : null,
        unrealizedPnl: localValue ? n(localValue.minus(p.costBasis)) : null,
        dayChange: localDay ? n(localDay) : null,
      },
    };
  });
  const total = views.reduce((sum, v) => sum + (v.marketValue ?? 0), 0);
  for (const view of views) view.weight = ratio(view.marketValue, total);
  return views;
}

/** The valuation of the contract, in the book's base currency. */
export async function valuationOf(book: PortfolioBook, loaders: MarketLoaders) {
  const { state } = book;
  const holdings = await holdingsOf(book, loaders);
  const priced = holdings.every((h) => h.marketValue !== null);
  const marketValue = holdings.reduce((sum, h) => sum + (h.marketValue ?? 0), 0);
  const costBasis = holdings.reduce((sum, h) => sum + h.costBasis, 0);
  const dayChange = holdings.reduce((sum, h) => sum + (h.dayChange ?? 0), 0);
  const unrealizedPnl = marketValue - costBasis;
  const realizedPnl = n(state.realizedPnl);
  const dividendsReceived = n(state.dividendsReceived);
  const totalReturn = unrealizedPnl + realizedPnl + dividendsReceived - n(state.fees);
  const currencyPnl =
    holdings.reduce((sum, h) => sum + (h.unrealizedFxPnl ?? 0), 0) + n(state.realizedFx);
  const timestamps = holdings.map((h) => h.quote?.timestamp.getTime() ?? 0);
  return {
    marketValue,
    costBasis,
    cash: n(state.cash),
    unrealizedPnl,
    realizedPnl,
    dividendsReceived,
    totalReturn,
    currencyPnl,
    totalReturnPercent: ratio(totalReturn, n(state.invested)),
    dayChange,
    dayChangePercent: ratio(dayChange, marketValue - dayChange),
    asOf: new Date(Math.max(0, ...timestamps) || Date.now()),
    complete: priced,
  };
}

/** Allocation of the holdings' market value by symbol, sector or country. */
export async function allocationOf(
  book: PortfolioBook,
  loaders: MarketLoaders,
  by: 'SYMBOL' | 'SECTOR' | 'COUNTRY' | 'CURRENCY',
) {
  const holdings = await holdingsOf(book, loaders);
  const profiles = await loaders.profile.loadMany(holdings.map((h) => h.symbol));
  const groups = new Map<string, number>();
  holdings.forEach((h, i) => {
    const profile = profiles[i] instanceof Error ? null : (profiles[i] as CompanyProfile | null);
    const key =
      by === 'SYMBOL'
        ? h.symbol
        : by === 'CURRENCY'
          ? h.currency
          : ((by === 'SECTOR' ? profile?.sector : profile?.country) ?? 'Unknown');
    groups.set(key, (groups.get(key) ?? 0) + (h.marketValue ?? 0));
  });
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  return [...groups.entries()]
    .map(([key, marketValue]) => ({ key, marketValue, weight: ratio(marketValue, total) }))
    .sort((a, b) => b.marketValue - a.marketValue);
}

/** Forward income: TTM dividends per share × quantity; yields on cost and on value. */
export async function incomeOf(book: PortfolioBook, loaders: MarketLoaders, today: string) {
  const { state } = book;
  const holdings = await holdingsOf(book, loaders);
  const dividends = await loaders.dividends.loadMany(holdings.map((h) => h.symbol));
  const start = new Date(Date.parse(`${today}T00:00:00Z`) - 365 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const rows = holdings.map((h, i) => {
    const list =
      dividends[i] instanceof Error
        ? []
        : ((dividends[i] as Array<{ exDate: string; amount: number }> | null) ?? []);
    const ttm = list
      .filter((d) => d.exDate > start && d.exDate <= today)
      .reduce((s, d) => s + d.amount, 0);
    // Dividends are paid in the listing currency: converted at today's rate.
    const annual = new Decimal(ttm).times(h.quantity).times(h.fxRate).toNumber();
    return {
      symbol: h.symbol,
      ttmDividendPerShare: ttm,
      forwardAnnualIncome: annual,
      yieldOnCost: ratio(annual, h.costBasis),
      currentYield: ratio(annual, h.marketValue),
    };
  });
  const forwardAnnualIncome = rows.reduce((s, r) => s + r.forwardAnnualIncome, 0);
  const costBasis = holdings.reduce((s, h) => s + h.costBasis, 0);
  const marketValue = holdings.reduce((s, h) => s + (h.marketValue ?? 0), 0);
  return {
    forwardAnnualIncome,
    yieldOnCost: ratio(forwardAnnualIncome, costBasis),
    currentYield: ratio(forwardAnnualIncome, marketValue),
    dividendsReceived: n(state.dividendsReceived),
    holdings: rows,
  };
}

/**
 * Risk of today's holdings over the last 252 daily returns they all have: volatility and
 * beta (vs SPY) of the weighted daily return Σ wᵢ rᵢ (weights by current market value),
 * and the correlation matrix of the holdings' returns.
 */
export async function riskOf(book: PortfolioBook, loaders: MarketLoaders, benchmark = 'SPY') {
  const holdings = (await holdingsOf(book, loaders)).filter((h) => h.weight !== null);
  const symbols = holdings.map((h) => h.symbol);
  const series = await loaders.history.loadMany([...symbols, benchmark]);
  const byDate = series.map(
    (bars) =>
      new Map((bars instanceof Error || !bars ? [] : bars).map((b) => [b.date, b.adjClose])),
  );
  const stockMaps = byDate.slice(0, symbols.length);
  const benchmarkMap = byDate[symbols.length];
  const common = [...(stockMaps[0]?.keys() ?? [])]
    .filter((d) => stockMaps.every((m) => m.has(d)) && benchmarkMap.has(d))
    .sort()
    .slice(-253);
  if (symbols.length === 0 || common.length < 253) {
    return {
      volatility: null,
      beta: null,
      symbols,
      correlations: symbols.map(() => symbols.map(() => null)),
    };
  }
  const returnsOf = (m: Map<string, number>) =>
    common.slice(1).map((d, i) => m.get(d)! / m.get(common[i])! - 1);
  const stock = stockMaps.map(returnsOf);
  const market = returnsOf(benchmarkMap);
  const portfolio = market.map((_, t) =>
    holdings.reduce((s, h, i) => s + (h.weight ?? 0) * stock[i][t], 0),
  );
  const variance = sampleVariance(portfolio);
  return {
    volatility: variance === null ? null : Math.sqrt(variance) * Math.sqrt(252),
    beta: ratio(sampleCovariance(portfolio, market), sampleVariance(market)),
    symbols,
    correlations: stock.map((a) => stock.map((b) => correlation(a, b))),
  };
}
