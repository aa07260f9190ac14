import { z } from 'zod';
import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
} from '../../../domain/market';
import {
  isoDateString,
  mapEach,
  numeric,
  optionalNumeric,
  optionalText,
  parseEnvelope,
  percentToFraction,
  searchProfile,
  type Mapped,
} from '../mapping';

// Pure mappers from Financial Modeling Prep's "stable" API to our domain types. Field
// names follow https://site.financialmodelingprep.com/developer/docs/stable; the
// fixtures in test/fixtures/providers/fmp/ carry the documented shapes.

const PROVIDER = 'fmp';
const list = (what: string, body: unknown) =>
  parseEnvelope(PROVIDER, what, z.array(z.unknown()), body);

const quoteSchema = z.object({
  symbol: z.string().min(1),
  price: numeric,
  change: optionalNumeric,
  changePercentage: optionalNumeric,
  open: optionalNumeric,
  dayHigh: optionalNumeric,
  dayLow: optionalNumeric,
  previousClose: optionalNumeric,
  volume: optionalNumeric,
  marketCap: optionalNumeric,
  timestamp: numeric,
});

/** `/quote` and `/batch-quote`: an array of quotes; unknown symbols are left out. */
export function mapFmpQuotes(body: unknown): Mapped<Quote[]> {
  return mapEach(quoteSchema, list('quote', body), (q) => {
    const previousClose = q.previousClose ?? q.price - (q.change ?? 0);
    return {
      symbol: q.symbol.toUpperCase(),
      price: q.price,
      change: q.change ?? q.price - previousClose,
      // FMP sends percent points (2.1 for 2.1 %); we speak fractions.
      changePercent: q.changePercentage !== null ? percentToFraction(q.changePercentage) : 0,
      open: q.open ?? q.price,
      high: q.dayHigh ?? q.price,
      low: q.dayLow ?? q.price,
      previousClose,
      volume: q.volume ?? 0,
      marketCap: q.marketCap,
      timestamp: new Date(q.timestamp * 1_000),
      source: PROVIDER,
      stale: false,
    };
  });
}

const profileSchema = z.object({
  symbol: z.string().min(1),
  companyName: z.string().min(1),
  exchange: z.string().nullish(),
  currency: z.string().nullish(),
  sector: optionalText,
  industry: optionalText,
  country: optionalText,
  description: optionalText,
  website: optionalText,
  // Documented as a string ("164000").
  fullTimeEmployees: optionalNumeric,
});

/** `/profile`: an array with the company, or empty for an unknown symbol. */
export function mapFmpProfiles(body: unknown): Mapped<CompanyProfile[]> {
  return mapEach(profileSchema, list('profile', body), (p) => ({
    symbol: p.symbol.toUpperCase(),
    name: p.companyName,
    exchange: p.exchange ?? '',
    currency: p.currency ?? 'USD',
    sector: p.sector,
    industry: p.industry,
    country: p.country,
    description: p.description,
    website: p.website,
    employees: p.fullTimeEmployees,
  }));
}

const barSchema = z.object({
  date: isoDateString,
  open: numeric,
  high: numeric,
  low: numeric,
  close: numeric,
  volume: optionalNumeric,
});
const adjustedSchema = z.object({ date: isoDateString, adjClose: numeric });

/**
 * `/historical-price-eod/full` (OHLCV) joined with `/historical-price-eod/dividend-adjusted`
 * (adjClose) by date, oldest first. A day missing from the adjusted series keeps its close.
 */
export function mapFmpHistory(full: unknown, adjusted: unknown): Mapped<PriceBar[]> {
  const adj = mapEach(adjustedSchema, list('dividend-adjusted', adjusted), (a) => a);
  const adjByDate = new Map(adj.value.map((a) => [a.date, a.adjClose]));
  const bars = mapEach(barSchema, list('historical-price-eod', full), (b) => ({
    date: b.date,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    adjClose: adjByDate.get(b.date) ?? b.close,
    volume: b.volume ?? 0,
  }));
  bars.value.sort((a, b) => a.date.localeCompare(b.date));
  return { value: bars.value, invalid: bars.invalid + adj.invalid };
}

const dividendSchema = z.object({
  date: isoDateString,
  paymentDate: isoDateString.nullish().or(z.literal('')),
  adjDividend: optionalNumeric,
  dividend: numeric,
});

/** `/dividends`, oldest first; amounts split-adjusted, as the price series is. */
export function mapFmpDividends(body: unknown): Mapped<Dividend[]> {
  const mapped = mapEach(dividendSchema, list('dividends', body), (d) => ({
    exDate: d.date,
    paymentDate: d.paymentDate || null,
    amount: d.adjDividend ?? d.dividend,
  }));
  mapped.value.sort((a, b) => a.exDate.localeCompare(b.exDate));
  return mapped;
}

const splitSchema = z.object({
  date: isoDateString,
  numerator: numeric.pipe(z.number().positive()),
  denominator: numeric.pipe(z.number().positive()),
});

/** `/splits`, oldest first: ratio = numerator / denominator (4 for a 4-for-1 split). */
export function mapFmpSplits(body: unknown): Mapped<Split[]> {
  const mapped = mapEach(splitSchema, list('splits', body), (s) => ({
    date: s.date,
    ratio: s.numerator / s.denominator,
  }));
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return mapped;
}

const periodFields = {
  date: isoDateString,
  fiscalYear: numeric,
  period: z.string().regex(/^(FY|Q[1-4])$/),
};
const incomeSchema = z.object({
  ...periodFields,
  revenue: optionalNumeric,
  grossProfit: optionalNumeric,
  operatingIncome: optionalNumeric,
  netIncome: optionalNumeric,
  ebitda: optionalNumeric,
  epsDiluted: optionalNumeric,
  interestExpense: optionalNumeric,
  weightedAverageShsOutDil: optionalNumeric,
});
const balanceSchema = z.object({
  ...periodFields,
  totalAssets: optionalNumeric,
  totalCurrentAssets: optionalNumeric,
  totalCurrentLiabilities: optionalNumeric,
  totalDebt: optionalNumeric,
  totalStockholdersEquity: optionalNumeric,
  totalEquity: optionalNumeric,
  cashAndCashEquivalents: optionalNumeric,
});
const cashFlowSchema = z.object({
  ...periodFields,
  operatingCashFlow: optionalNumeric,
  capitalExpenditure: optionalNumeric,
  freeCashFlow: optionalNumeric,
  commonDividendsPaid: optionalNumeric,
  netDividendsPaid: optionalNumeric,
});

/**
 * `/income-statement`, `/balance-sheet-statement` and `/cash-flow-statement` joined by
 * period end date, newest first. A period is kept when its income statement is there.
 */
export function mapFmpStatements(
  income: unknown,
  balance: unknown,
  cashFlow: unknown,
): Mapped<FinancialStatement[]> {
  const inc = mapEach(incomeSchema, list('income-statement', income), (s) => s);
  const bal = mapEach(balanceSchema, list('balance-sheet-statement', balance), (s) => s);
  const cf = mapEach(cashFlowSchema, list('cash-flow-statement', cashFlow), (s) => s);
  const balByDate = new Map(bal.value.map((s) => [s.date, s]));
  const cfByDate = new Map(cf.value.map((s) => [s.date, s]));
  const value = inc.value
    .map((i): FinancialStatement => {
      const b = balByDate.get(i.date);
      const c = cfByDate.get(i.date);
      return {
        fiscalYear: i.fiscalYear,
        period: i.period,
        date: i.date,
        revenue: i.revenue,
        grossProfit: i.grossProfit,
        operatingIncome: i.operatingIncome,
        netIncome: i.netIncome,
        ebitda: i.ebitda,
        epsDiluted: i.epsDiluted,
        interestExpense: i.interestExpense,
        totalAssets: b?.totalAssets ?? null,
        totalCurrentAssets: b?.totalCurrentAssets ?? null,
        totalCurrentLiabilities: b?.totalCurrentLiabilities ?? null,
        totalDebt: b?.totalDebt ?? null,
        totalEquity: b?.totalStockholdersEquity ?? b?.totalEquity ?? null,
        cashAndEquivalents: b?.cashAndCashEquivalents ?? null,
        operatingCashFlow: c?.operatingCashFlow ?? null,
        capitalExpenditure: c?.capitalExpenditure ?? null,
        freeCashFlow: c?.freeCashFlow ?? null,
        dividendsPaid: c?.commonDividendsPaid ?? c?.netDividendsPaid ?? null,
        sharesOutstanding: i.weightedAverageShsOutDil,
      };
    })
    .sort((a, b) => b.date.localeCompare(a.date));
  return { value, invalid: inc.invalid + bal.invalid + cf.invalid };
}

const searchSchema = z.object({
  symbol: z.string().min(1),
  name: z.string().min(1),
  currency: z.string().nullish(),
  exchange: z.string().nullish(),
});

/** `/search-symbol`: matches as profiles carrying what search knows (no sector etc.). */
export function mapFmpSearch(body: unknown): Mapped<CompanyProfile[]> {
  return mapEach(searchSchema, list('search-symbol', body), (s) =>
    searchProfile({
      symbol: s.symbol,
      name: s.name,
      exchange: s.exchange ?? '',
      currency: s.currency ?? 'USD',
    }),
  );
}
