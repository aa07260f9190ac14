import { z } from 'zod';
import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../../../domain/market';
import {
  closeTimestamp,
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
import { ProviderError } from '../provider-error';

// Pure mappers from Alpha Vantage (https://www.alphavantage.co/documentation/) to our
// domain types. Alpha Vantage sends numbers as strings and "None" for missing values,
// and answers HTTP 200 with a "Note", "Information" or "Error Message" body when it
// throttles or refuses; fixtures in test/fixtures/providers/alphavantage/.

const PROVIDER = 'alphavantage';

/**
 * Throws for the bodies Alpha Vantage sends with HTTP 200 instead of data: "Note" and
 * "Information" about call frequency or daily limits (throttled), "Information" about
 * premium endpoints (unsupported), and "Error Message" about the API key. An "Error
 * Message" about the call itself means an unknown symbol and is left to the mapper.
 */
export function checkAlphaVantageBody(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const record = body as Record<string, unknown>;
  const note = record.Note ?? record.Information;
  if (typeof note === 'string') {
    if (/premium endpoint/i.test(note)) {
      throw new ProviderError(PROVIDER, 'unsupported', 'premium endpoint');
    }
    // A frequency or daily limit: waiting out a minute-long window exceeds any call's
    // budget, so the Retry-After makes the client hand over to the next provider at once.
    throw new ProviderError(PROVIDER, 'throttled', 'rate limit notice', 429, 60_000);
  }
  const error = record['Error Message'];
  if (typeof error === 'string' && /apikey/i.test(error)) {
    throw new ProviderError(PROVIDER, 'http', 'API key refused', 401);
  }
}

/** True for the "Invalid API call" body it sends for an unknown symbol. */
function isUnknownSymbol(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'Error Message' in body;
}

const globalQuoteSchema = z.object({
  'Global Quote': z.union([
    z.object({
      '01. symbol': z.string().min(1),
      '02. open': numeric,
      '03. high': numeric,
      '04. low': numeric,
      '05. price': numeric,
      '06. volume': numeric,
      '07. latest trading day': isoDateString,
      '08. previous close': numeric,
      '09. change': numeric,
      '10. change percent': z.string().regex(/^-?\d+(\.\d+)?%$/),
    }),
    // Unknown symbol.
    z.object({}).strict(),
  ]),
});

/** GLOBAL_QUOTE: the quote, or null for an unknown symbol (an empty "Global Quote"). */
export function mapAlphaVantageQuote(body: unknown, now: Date): Quote | null {
  const parsed = parseEnvelope(PROVIDER, 'GLOBAL_QUOTE', globalQuoteSchema, body)['Global Quote'];
  if (!('01. symbol' in parsed)) return null;
  return {
    symbol: parsed['01. symbol'].toUpperCase(),
    price: parsed['05. price'],
    change: parsed['09. change'],
    changePercent: percentToFraction(Number(parsed['10. change percent'].replace('%', ''))),
    open: parsed['02. open'],
    high: parsed['03. high'],
    low: parsed['04. low'],
    previousClose: parsed['08. previous close'],
    volume: parsed['06. volume'],
    marketCap: null,
    // A trading day, not a time: the close of that day, or now while it is still open.
    timestamp: closeTimestamp(parsed['07. latest trading day'], now),
    source: PROVIDER,
    stale: false,
  };
}

const overviewSchema = z.object({
  Symbol: z.string().min(1),
  Name: z.string().min(1),
  Description: optionalText,
  Exchange: z.string().nullish(),
  Currency: z.string().nullish(),
  Country: optionalText,
  Sector: optionalText,
  Industry: optionalText,
  OfficialSite: optionalText,
  FullTimeEmployees: optionalNumeric.optional(),
});

// Alpha Vantage upper-cases sectors ("TECHNOLOGY"); we show them as words.
const titleCase = (value: string | null) =>
  value ? value.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase()) : null;

/** OVERVIEW: the profile, or null for an unknown symbol (an empty object). */
export function mapAlphaVantageOverview(body: unknown): CompanyProfile | null {
  if (typeof body === 'object' && body !== null && Object.keys(body).length === 0) return null;
  const o = parseEnvelope(PROVIDER, 'OVERVIEW', overviewSchema, body);
  return {
    symbol: o.Symbol.toUpperCase(),
    name: o.Name,
    exchange: o.Exchange ?? '',
    currency: o.Currency ?? 'USD',
    sector: titleCase(o.Sector),
    industry: titleCase(o.Industry),
    country: o.Country === 'USA' ? 'US' : o.Country,
    description: o.Description,
    website: o.OfficialSite,
    employees: o.FullTimeEmployees ?? null,
  };
}

const dailyBarSchema = z.object({
  '1. open': numeric,
  '2. high': numeric,
  '3. low': numeric,
  '4. close': numeric,
  '5. adjusted close': numeric,
  '6. volume': numeric,
});
const dailySchema = z.object({ 'Time Series (Daily)': z.record(z.string(), z.unknown()) });

/** TIME_SERIES_DAILY_ADJUSTED: bars oldest first; null for an unknown symbol. */
export function mapAlphaVantageDaily(body: unknown): Mapped<PriceBar[]> | null {
  if (isUnknownSymbol(body)) return null;
  const series = parseEnvelope(PROVIDER, 'TIME_SERIES_DAILY_ADJUSTED', dailySchema, body)[
    'Time Series (Daily)'
  ];
  const entries = Object.entries(series).map(([date, bar]) => ({ date, bar }));
  const mapped = mapEach(
    z.object({ date: isoDateString, bar: dailyBarSchema }),
    entries,
    ({ date, bar }) => ({
      date,
      open: bar['1. open'],
      high: bar['2. high'],
      low: bar['3. low'],
      close: bar['4. close'],
      adjClose: bar['5. adjusted close'],
      volume: bar['6. volume'],
    }),
  );
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return mapped;
}

const eventsSchema = z.object({ data: z.array(z.unknown()) });

/** DIVIDENDS: oldest first; null for an unknown symbol. */
export function mapAlphaVantageDividends(body: unknown): Mapped<Dividend[]> | null {
  if (isUnknownSymbol(body) || !hasData(body)) return null;
  const { data } = parseEnvelope(PROVIDER, 'DIVIDENDS', eventsSchema, body);
  const mapped = mapEach(
    z.object({
      ex_dividend_date: isoDateString,
      payment_date: z.string().nullish(),
      amount: numeric,
    }),
    data,
    (d) => ({
      exDate: d.ex_dividend_date,
      paymentDate:
        d.payment_date && /^\d{4}-\d{2}-\d{2}$/.test(d.payment_date) ? d.payment_date : null,
      amount: d.amount,
    }),
  );
  mapped.value.sort((a, b) => a.exDate.localeCompare(b.exDate));
  return mapped;
}

/** SPLITS: oldest first; null for an unknown symbol. */
export function mapAlphaVantageSplits(body: unknown): Mapped<Split[]> | null {
  if (isUnknownSymbol(body) || !hasData(body)) return null;
  const { data } = parseEnvelope(PROVIDER, 'SPLITS', eventsSchema, body);
  const mapped = mapEach(
    z.object({ effective_date: isoDateString, split_factor: numeric.pipe(z.number().positive()) }),
    data,
    (s) => ({ date: s.effective_date, ratio: s.split_factor }),
  );
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return mapped;
}

// An unknown symbol gets `{}` from the event endpoints.
function hasData(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'data' in body;
}

const reportsSchema = z.object({
  annualReports: z.array(z.unknown()),
  quarterlyReports: z.array(z.unknown()),
});
const reportDate = { fiscalDateEnding: isoDateString };
const incomeSchema = z.object({
  ...reportDate,
  totalRevenue: optionalNumeric,
  grossProfit: optionalNumeric,
  operatingIncome: optionalNumeric,
  netIncome: optionalNumeric,
  ebitda: optionalNumeric,
  interestExpense: optionalNumeric,
});
const balanceSchema = z.object({
  ...reportDate,
  totalAssets: optionalNumeric,
  totalCurrentAssets: optionalNumeric,
  totalCurrentLiabilities: optionalNumeric,
  shortLongTermDebtTotal: optionalNumeric,
  totalShareholderEquity: optionalNumeric,
  cashAndCashEquivalentsAtCarryingValue: optionalNumeric,
  commonStockSharesOutstanding: optionalNumeric,
});
const cashFlowSchema = z.object({
  ...reportDate,
  operatingCashflow: optionalNumeric,
  capitalExpenditures: optionalNumeric,
  dividendPayout: optionalNumeric,
});

const negate = (value: number | null) => (value === null ? null : -Math.abs(value));

/**
 * INCOME_STATEMENT, BALANCE_SHEET and CASH_FLOW joined by fiscalDateEnding, newest
 * first; null for an unknown symbol. Alpha Vantage reports outflows (capital
 * expenditure, dividends) as positive numbers; we store them negative, as cash flows.
 * It has no diluted EPS in these reports (null), and no fiscal quarter number: quarters
 * are labelled by the calendar quarter of their end date.
 */
export function mapAlphaVantageStatements(
  income: unknown,
  balance: unknown,
  cashFlow: unknown,
  period: StatementPeriod,
): Mapped<FinancialStatement[]> | null {
  if ([income, balance, cashFlow].some(isUnknownSymbol) || isEmpty(income)) return null;
  const field = period === 'ANNUAL' ? 'annualReports' : 'quarterlyReports';
  const reports = (what: string, body: unknown) =>
    parseEnvelope(PROVIDER, what, reportsSchema, body)[field];
  const inc = mapEach(incomeSchema, reports('INCOME_STATEMENT', income), (r) => r);
  const bal = mapEach(balanceSchema, reports('BALANCE_SHEET', balance), (r) => r);
  const cf = mapEach(cashFlowSchema, reports('CASH_FLOW', cashFlow), (r) => r);
  const balByDate = new Map(bal.value.map((r) => [r.fiscalDateEnding, r]));
  const cfByDate = new Map(cf.value.map((r) => [r.fiscalDateEnding, r]));
  const value = inc.value
    .map((i): FinancialStatement => {
      const date = i.fiscalDateEnding;
      const b = balByDate.get(date);
      const c = cfByDate.get(date);
      const month = Number(date.slice(5, 7));
      const operatingCashFlow = c?.operatingCashflow ?? null;
      const capitalExpenditure = negate(c?.capitalExpenditures ?? null);
      return {
        fiscalYear: Number(date.slice(0, 4)),
        period: period === 'ANNUAL' ? 'FY' : `Q${Math.ceil(month / 3)}`,
        date,
        revenue: i.totalRevenue,
        grossProfit: i.grossProfit,
        operatingIncome: i.operatingIncome,
        netIncome: i.netIncome,
        ebitda: i.ebitda,
        epsDiluted: null,
        interestExpense: i.interestExpense,
        totalAssets: b?.totalAssets ?? null,
        totalCurrentAssets: b?.totalCurrentAssets ?? null,
        totalCurrentLiabilities: b?.totalCurrentLiabilities ?? null,
        totalDebt: b?.shortLongTermDebtTotal ?? null,
        totalEquity: b?.totalShareholderEquity ?? null,
        cashAndEquivalents: b?.cashAndCashEquivalentsAtCarryingValue ?? null,
        operatingCashFlow,
        capitalExpenditure,
        freeCashFlow:
          operatingCashFlow !== null && capitalExpenditure !== null
            ? operatingCashFlow + capitalExpenditure
            : null,
        dividendsPaid: negate(c?.dividendPayout ?? null),
        sharesOutstanding: b?.commonStockSharesOutstanding ?? null,
      };
    })
    .sort((a, b) => b.date.localeCompare(a.date));
  return { value, invalid: inc.invalid + bal.invalid + cf.invalid };
}

function isEmpty(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.keys(body).length === 0;
}

const searchSchema = z.object({ bestMatches: z.array(z.unknown()) });

/** SYMBOL_SEARCH: best matches as profiles carrying what search knows. */
export function mapAlphaVantageSearch(body: unknown): Mapped<CompanyProfile[]> {
  const { bestMatches } = parseEnvelope(PROVIDER, 'SYMBOL_SEARCH', searchSchema, body);
  return mapEach(
    z.object({
      '1. symbol': z.string().min(1),
      '2. name': z.string().min(1),
      '4. region': z.string().nullish(),
      '8. currency': z.string().nullish(),
    }),
    bestMatches,
    (m) =>
      searchProfile({
        symbol: m['1. symbol'],
        name: m['2. name'],
        currency: m['8. currency'] ?? 'USD',
        country: m['4. region'] === 'United States' ? 'US' : (m['4. region'] ?? null),
      }),
  );
}
