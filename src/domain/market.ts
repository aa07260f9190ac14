/** Market data as the gateway speaks it, whichever provider answered. */

/** A latest price. `source` names the provider; `stale` marks a cached value served because every provider failed. */
export interface Quote {
  symbol: string;
  price: number;
  change: number;
  changePercent: number;
  open: number;
  high: number;
  low: number;
  previousClose: number;
  volume: number;
  /** Market capitalisation at `price`, when the provider knows the share count. */
  marketCap: number | null;
  timestamp: Date;
  source: string;
  stale: boolean;
  /** True when the plan's delay applies: the quote as it was `quoteDelayMinutes` ago. */
  delayed?: boolean;
}

/** A quote that went through JSON (cache, pub/sub), with its timestamp a Date again. */
export function reviveQuote(quote: Quote): Quote {
  return { ...quote, timestamp: new Date(quote.timestamp) };
}

/** A quote's market capitalisation scaled to another price (the share count kept). */
export function marketCapAt(quote: Quote, price: number): number | null {
  return quote.marketCap === null || quote.price === 0
    ? null
    : Math.round((quote.marketCap * price) / quote.price);
}

/** One trade of a live feed. */
export interface Trade {
  symbol: string;
  price: number;
  volume: number;
  timestamp: Date;
}

/**
 * A quote moved by a trade: the trade's price and time, the day's range widened to
 * it, its volume added. Market capitalisation scales with the price. Trades older
 * than the quote change nothing (feeds may deliver late).
 */
export function applyTrade(quote: Quote, trade: Trade): Quote {
  if (trade.timestamp.getTime() < quote.timestamp.getTime()) return quote;
  const change = trade.price - quote.previousClose;
  return {
    ...quote,
    price: trade.price,
    change,
    changePercent: quote.previousClose === 0 ? 0 : change / quote.previousClose,
    high: Math.max(quote.high, trade.price),
    low: Math.min(quote.low, trade.price),
    volume: quote.volume + trade.volume,
    marketCap: marketCapAt(quote, trade.price),
    timestamp: trade.timestamp,
    stale: false,
    delayed: undefined,
  };
}

/** One daily bar. `date` is an ISO date (YYYY-MM-DD) in the exchange's calendar. */
export interface PriceBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Close adjusted for later splits and dividends (total-return series). */
  adjClose: number;
  volume: number;
}

/** Static facts about a listed company. */
export interface CompanyProfile {
  symbol: string;
  name: string;
  exchange: string;
  currency: string;
  sector: string | null;
  industry: string | null;
  country: string | null;
  description: string | null;
  website: string | null;
  employees: number | null;
}

/** A cash dividend per share, by ex-date. */
export interface Dividend {
  exDate: string;
  paymentDate: string | null;
  amount: number;
}

/** A split: `ratio` new shares per old share (4 for a 4-for-1 split). */
export interface Split {
  date: string;
  ratio: number;
}

export type StatementPeriod = 'ANNUAL' | 'QUARTERLY';

/** Income statement, balance sheet and cash flow of one fiscal period. */
export interface FinancialStatement {
  fiscalYear: number;
  /** `FY` for annual statements, `Q1`..`Q4` for quarters. */
  period: string;
  /** Period end, ISO date. */
  date: string;
  revenue: number | null;
  grossProfit: number | null;
  operatingIncome: number | null;
  netIncome: number | null;
  ebitda: number | null;
  epsDiluted: number | null;
  interestExpense: number | null;
  totalAssets: number | null;
  totalCurrentAssets: number | null;
  totalCurrentLiabilities: number | null;
  totalDebt: number | null;
  totalEquity: number | null;
  cashAndEquivalents: number | null;
  operatingCashFlow: number | null;
  capitalExpenditure: number | null;
  freeCashFlow: number | null;
  dividendsPaid: number | null;
  sharesOutstanding: number | null;
}
