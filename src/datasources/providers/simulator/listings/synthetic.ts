import type { Split } from '../../../../domain/market';
import { round, uniformFor } from '../random';
import type { SimulatedListing } from '../universe';
import { C, CD, CS, E, F, H, I, M, R, T, U, type ListingFacts } from './facts';
import type { AssetClass, FundFacts } from './funds';

// The numbers of a listing that has no hand-set row: each a deterministic draw seeded by
// (symbol, field), within a range that depends on its sector (a company) or on what it
// holds (a fund, an index). They are synthetic and say nothing about the company.

type Range = readonly [min: number, max: number];

interface SectorModel {
  volatility: Range;
  beta: Range;
  dividendYield: Range;
  /** Share of the sector's companies that pay a dividend. */
  payers: number;
  netMargin: Range;
  priceToSales: Range;
  /** Revenue per employee, thousands of USD. */
  revenuePerEmployee: Range;
}

// prettier-ignore
const SECTOR_MODELS: Record<string, SectorModel> = {
  [T]: { volatility: [0.24, 0.42], beta: [1, 1.5], dividendYield: [0.004, 0.015], payers: 0.5, netMargin: [0.06, 0.35], priceToSales: [3, 12], revenuePerEmployee: [250, 900] },
  [H]: { volatility: [0.2, 0.38], beta: [0.6, 1.1], dividendYield: [0.008, 0.035], payers: 0.55, netMargin: [0.04, 0.28], priceToSales: [1.5, 7], revenuePerEmployee: [200, 700] },
  [F]: { volatility: [0.2, 0.32], beta: [0.9, 1.3], dividendYield: [0.01, 0.04], payers: 0.85, netMargin: [0.1, 0.35], priceToSales: [1.5, 6], revenuePerEmployee: [300, 1200] },
  [CD]: { volatility: [0.22, 0.4], beta: [1, 1.5], dividendYield: [0.008, 0.03], payers: 0.6, netMargin: [0.03, 0.15], priceToSales: [0.5, 4], revenuePerEmployee: [100, 500] },
  [CS]: { volatility: [0.14, 0.24], beta: [0.4, 0.8], dividendYield: [0.015, 0.04], payers: 0.95, netMargin: [0.03, 0.15], priceToSales: [0.4, 4], revenuePerEmployee: [150, 600] },
  [E]: { volatility: [0.24, 0.36], beta: [0.8, 1.3], dividendYield: [0.025, 0.06], payers: 0.95, netMargin: [0.05, 0.2], priceToSales: [0.5, 3.5], revenuePerEmployee: [800, 3000] },
  [I]: { volatility: [0.2, 0.34], beta: [0.9, 1.3], dividendYield: [0.006, 0.03], payers: 0.85, netMargin: [0.05, 0.18], priceToSales: [1, 5], revenuePerEmployee: [150, 500] },
  [C]: { volatility: [0.2, 0.36], beta: [0.8, 1.3], dividendYield: [0.01, 0.05], payers: 0.5, netMargin: [0.05, 0.25], priceToSales: [1, 7], revenuePerEmployee: [300, 1200] },
  [M]: { volatility: [0.22, 0.36], beta: [0.8, 1.2], dividendYield: [0.01, 0.04], payers: 0.9, netMargin: [0.05, 0.2], priceToSales: [1, 4], revenuePerEmployee: [250, 900] },
  [U]: { volatility: [0.14, 0.22], beta: [0.3, 0.6], dividendYield: [0.025, 0.05], payers: 1, netMargin: [0.08, 0.2], priceToSales: [1.5, 4], revenuePerEmployee: [500, 1500] },
  [R]: { volatility: [0.18, 0.3], beta: [0.6, 1], dividendYield: [0.025, 0.06], payers: 1, netMargin: [0.15, 0.4], priceToSales: [4, 12], revenuePerEmployee: [500, 3000] },
};

interface MarketModel {
  /** Price on the first simulated day, before any split, in the trading currency. */
  price: Range;
  /** Market capitalisation, millions of the trading currency. */
  marketCapMillions: Range;
  /** Multiplies the sector's revenue per employee (into the trading currency's thousands). */
  revenuePerEmployeeScale: number;
  /** Multiplies the sector's beta: the simulated market factor is the US market's. */
  betaScale: number;
}

const MARKETS: Record<string, MarketModel> = {
  USD: {
    price: [20, 400],
    marketCapMillions: [8_000, 400_000],
    revenuePerEmployeeScale: 1,
    betaScale: 1,
  },
  // NIFTY 50 companies: ₹1–20 trillion; Indian revenue per employee is lower in USD.
  INR: {
    price: [100, 5_000],
    marketCapMillions: [1_000_000, 20_000_000],
    revenuePerEmployeeScale: 10,
    betaScale: 0.4,
  },
};

function draw(symbol: string, field: string, [min, max]: Range): number {
  return uniformFor(`${symbol}:listing:${field}`, min, max);
}

/** Log-uniform: as many small values per decade as large ones. */
function drawLog(symbol: string, field: string, [min, max]: Range): number {
  return Math.exp(draw(symbol, field, [Math.log(min), Math.log(max)]));
}

/**
 * A company's drift: its dividend yield plus a price return of 3% to 13% a year, so that a
 * high payer's price does not sink by its dividends.
 */
const PRICE_RETURN: Range = [0.03, 0.13];

/**
 * The largest beta that keeps the market's share of a listing's variance under its
 * volatility (else the walk would move more than the listing's volatility says).
 */
function cappedBeta(beta: number, volatility: number, marketVolatility: number): number {
  return round(Math.min(beta, (0.95 * volatility) / marketVolatility), 3);
}

/** A company from its facts: sector-shaped synthetic numbers, real splits if any. */
export function simulatedCompany(
  facts: ListingFacts,
  marketVolatility: number,
  splits?: Split[],
): SimulatedListing {
  const { symbol } = facts;
  const sector = SECTOR_MODELS[facts.sector];
  const market = MARKETS[facts.currency];
  if (!sector) throw new Error(`${symbol}: sector "${facts.sector}" is not in the vocabulary`);
  if (!market) throw new Error(`${symbol}: no market model for ${facts.currency}`);
  // The drawn price is today's order of magnitude: before its splits it was higher.
  const splitFactor = (splits ?? []).reduce((product, split) => product * split.ratio, 1);
  const price = drawLog(symbol, 'price', market.price);
  const marketCap = drawLog(symbol, 'market-cap', market.marketCapMillions);
  const revenue = marketCap / draw(symbol, 'price-to-sales', sector.priceToSales);
  const revenuePerEmployee =
    draw(symbol, 'revenue-per-employee', sector.revenuePerEmployee) *
    market.revenuePerEmployeeScale;
  const volatility = round(draw(symbol, 'volatility', sector.volatility), 3);
  const pays = draw(symbol, 'pays', [0, 1]) < sector.payers;
  const dividendYield = pays ? round(draw(symbol, 'dividend-yield', sector.dividendYield), 4) : 0;
  return {
    ...facts,
    employees: Math.max(Math.round((revenue * 1_000) / revenuePerEmployee), 1),
    startPrice: round(price * splitFactor, 2),
    sharesMillions: Math.max(Math.round(marketCap / price), 1),
    dividendYield,
    revenueMillions: Math.round(revenue),
    netMargin: round(draw(symbol, 'net-margin', sector.netMargin), 3),
    volatility,
    beta: cappedBeta(
      draw(symbol, 'beta', sector.beta) * market.betaScale,
      volatility,
      marketVolatility,
    ),
    drift: round(dividendYield + draw(symbol, 'price-return', PRICE_RETURN), 4),
    splits,
  };
}

interface FundModel {
  /** The S&P 500 itself: beta 1, SPY's volatility and drift, so that it moves with SPY. */
  tracksMarket?: boolean;
  volatility: Range;
  beta: Range;
  /** Annual total return; a fund's price falls by its distributions, an index's does not. */
  drift: Range;
  /** A fund's distribution yield; indices pay none. */
  dividendYield: Range;
}

// prettier-ignore
const FUND_MODELS: Record<AssetClass, FundModel> = {
  'us-large-cap': { tracksMarket: true, volatility: [0, 0], beta: [1, 1], drift: [0, 0], dividendYield: [0.011, 0.016] },
  'us-equity': { volatility: [0.17, 0.24], beta: [0.95, 1.2], drift: [0.07, 0.13], dividendYield: [0.005, 0.018] },
  'us-sector': { volatility: [0.15, 0.3], beta: [0.6, 1.3], drift: [0.04, 0.14], dividendYield: [0.007, 0.035] },
  'intl-equity': { volatility: [0.15, 0.22], beta: [0.55, 0.9], drift: [0.03, 0.09], dividendYield: [0.02, 0.035] },
  'india-equity': { volatility: [0.14, 0.22], beta: [0.3, 0.6], drift: [0.07, 0.13], dividendYield: [0, 0] },
  'bond-short': { volatility: [0.01, 0.025], beta: [0, 0.05], drift: [0.015, 0.035], dividendYield: [0.015, 0.035] },
  bond: { volatility: [0.04, 0.08], beta: [0, 0.1], drift: [0.02, 0.045], dividendYield: [0.025, 0.045] },
  'bond-long': { volatility: [0.12, 0.17], beta: [0, 0.1], drift: [0.01, 0.045], dividendYield: [0.025, 0.04] },
  'bond-high-yield': { volatility: [0.07, 0.1], beta: [0.25, 0.4], drift: [0.04, 0.07], dividendYield: [0.05, 0.065] },
  commodity: { volatility: [0.13, 0.28], beta: [0, 0.15], drift: [0.03, 0.12], dividendYield: [0, 0] },
};

/**
 * A fund or an index from its facts. Neither has statements (revenue 0) nor employees;
 * an index has no shares (so no market cap, no volume) and pays nothing.
 */
export function simulatedFund(facts: FundFacts, marketVolatility: number): SimulatedListing {
  const { symbol, kind, assetClass, startLevel, ...identity } = facts;
  const model = FUND_MODELS[assetClass];
  const volatility = model.tracksMarket
    ? marketVolatility
    : round(draw(symbol, 'volatility', model.volatility), 3);
  const index = kind === 'INDEX';
  return {
    symbol,
    ...identity,
    employees: 0,
    startPrice: startLevel,
    sharesMillions: index ? 0 : Math.round(drawLog(symbol, 'shares', [50, 1_500])),
    dividendYield: index ? 0 : round(draw(symbol, 'dividend-yield', model.dividendYield), 4),
    revenueMillions: 0,
    netMargin: 0,
    volatility,
    ...(model.tracksMarket
      ? { tracksMarket: true }
      : {
          beta: cappedBeta(draw(symbol, 'beta', model.beta), volatility, marketVolatility),
          drift: round(draw(symbol, 'drift', model.drift), 4),
        }),
  };
}
