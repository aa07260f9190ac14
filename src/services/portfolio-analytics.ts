import Decimal from 'decimal.js';
import { positionsOf, type LedgerState } from '../domain/ledger';
import { ratio, sampleCovariance, sampleVariance } from '../domain/analytics';
import type { CompanyProfile, Quote } from '../domain/market';
import { correlation } from '../domain/performance';
import type { MarketLoaders } from '../loaders/market.loaders';

/** One open position, valued. Money in the listing currency. */
export interface HoldingView {
  symbol: string;
  quantity: number;
  averageCost: number;
  costBasis: number;
  price: number | null;
  marketValue: number | null;
  unrealizedPnl: number | null;
  unrealizedPnlPercent: number | null;
  /** marketValue / total market value of the holdings. */
  weight: number | null;
  /** quantity × the quote's change today. */
  dayChange: number | null;
  quote: Quote | null;
}

const n = (d: Decimal) => d.toNumber();

// A request's loaders and a ledger state value the same holdings for every field that
// needs them (holdings, valuation, allocation, income, risk): once per request.
const valuedHoldings = new WeakMap<MarketLoaders, WeakMap<LedgerState, Promise<HoldingView[]>>>();

/**
 * Holdings valued with one batched quote load for all of them; computed once per
 * loaders (a request's, or a live recomputation's) and state, which must not change
 * afterwards (ledger states from PortfolioService do not). The views are shared:
 * callers only read them.
 */
export function holdingsOf(state: LedgerState, loaders: MarketLoaders): Promise<HoldingView[]> {
  let byState = valuedHoldings.get(loaders);
  if (!byState) {
    byState = new WeakMap();
    valuedHoldings.set(loaders, byState);
  }
  let holdings = byState.get(state);
  if (!holdings) {
    holdings = valueHoldings(state, loaders);
    byState.set(state, holdings);
  }
  return holdings;
}

async function valueHoldings(state: LedgerState, loaders: MarketLoaders): Promise<HoldingView[]> {
  const positions = positionsOf(state);
  const quotes = await loaders.quote.loadMany(positions.map((p) => p.symbol));
  const views = positions.map((p, i) => {
    const loaded = quotes[i];
    const quote = loaded instanceof Error ? null : loaded;
    const marketValue = quote ? p.quantity.times(quote.price) : null;
    const unrealized = marketValue ? marketValue.minus(p.costBasis) : null;
    return {
      symbol: p.symbol,
      quantity: n(p.quantity),
      averageCost: n(p.averageCost),
      costBasis: n(p.costBasis),
      price: quote?.price ?? null,
      marketValue: marketValue ? n(marketValue) : null,
      unrealizedPnl: unrealized ? n(unrealized) : null,
      unrealizedPnlPercent:
        unrealized && !p.costBasis.isZero() ? n(unrealized.div(p.costBasis)) : null,
      weight: null as number | null,
      dayChange: quote ? n(p.quantity.times(quote.change)) : null,
      quote,
    };
  });
  const total = views.reduce((sum, v) => sum + (v.marketValue ?? 0), 0);
  for (const view of views) view.weight = ratio(view.marketValue, total);
  return views;
}

/** The valuation of the contract. */
export async function valuationOf(state: LedgerState, loaders: MarketLoaders) {
  const holdings = await holdingsOf(state, loaders);
  const priced = holdings.every((h) => h.marketValue !== null);
  const marketValue = holdings.reduce((sum, h) => sum + (h.marketValue ?? 0), 0);
  const costBasis = holdings.reduce((sum, h) => sum + h.costBasis, 0);
  const dayChange = holdings.reduce((sum, h) => sum + (h.dayChange ?? 0), 0);
  const unrealizedPnl = marketValue - costBasis;
  const realizedPnl = n(state.realizedPnl);
  const dividendsReceived = n(state.dividendsReceived);
  const totalReturn = unrealizedPnl + realizedPnl + dividendsReceived - n(state.fees);
  const timestamps = holdings.map((h) => h.quote?.timestamp.getTime() ?? 0);
  return {
    marketValue,
    costBasis,
    cash: n(state.cash),
    unrealizedPnl,
    realizedPnl,
    dividendsReceived,
    totalReturn,
    totalReturnPercent: ratio(totalReturn, n(state.invested)),
    dayChange,
    dayChangePercent: ratio(dayChange, marketValue - dayChange),
    asOf: new Date(Math.max(0, ...timestamps) || Date.now()),
    complete: priced,
  };
}

/** Allocation of the holdings' market value by symbol, sector or country. */
export async function allocationOf(
  state: LedgerState,
  loaders: MarketLoaders,
  by: 'SYMBOL' | 'SECTOR' | 'COUNTRY',
) {
  const holdings = await holdingsOf(state, loaders);
  const profiles = await loaders.profile.loadMany(holdings.map((h) => h.symbol));
  const groups = new Map<string, number>();
  holdings.forEach((h, i) => {
    const profile = profiles[i] instanceof Error ? null : (profiles[i] as CompanyProfile | null);
    const key =
      by === 'SYMBOL'
        ? h.symbol
        : ((by === 'SECTOR' ? profile?.sector : profile?.country) ?? 'Unknown');
    groups.set(key, (groups.get(key) ?? 0) + (h.marketValue ?? 0));
  });
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  return [...groups.entries()]
    .map(([key, marketValue]) => ({ key, marketValue, weight: ratio(marketValue, total) }))
    .sort((a, b) => b.marketValue - a.marketValue);
}

/** Forward income: TTM dividends per share × quantity; yields on cost and on value. */
export async function incomeOf(state: LedgerState, loaders: MarketLoaders, today: string) {
  const holdings = await holdingsOf(state, loaders);
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
    const annual = new Decimal(ttm).times(h.quantity).toNumber();
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
export async function riskOf(state: LedgerState, loaders: MarketLoaders, benchmark = 'SPY') {
  const holdings = (await holdingsOf(state, loaders)).filter((h) => h.weight !== null);
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
