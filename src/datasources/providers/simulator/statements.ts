import type { FinancialStatement } from '../../../domain/market';
import { uniformFor } from './random';
import type { SimulatedListing } from './universe';

const ANNUAL_YEARS = 5;
const SEASONALITY = [0.235, 0.245, 0.25, 0.27];

type Flow =
  | 'revenue'
  | 'grossProfit'
  | 'operatingIncome'
  | 'netIncome'
  | 'ebitda'
  | 'interestExpense'
  | 'operatingCashFlow'
  | 'capitalExpenditure'
  | 'freeCashFlow'
  | 'dividendsPaid';
const FLOWS: Flow[] = [
  'revenue',
  'grossProfit',
  'operatingIncome',
  'netIncome',
  'ebitda',
  'interestExpense',
  'operatingCashFlow',
  'capitalExpenditure',
  'freeCashFlow',
  'dividendsPaid',
];

function annualStatement(
  listing: SimulatedListing,
  fiscalYear: number,
  latestYear: number,
): FinancialStatement {
  const key = (name: string) => uniformFor(`${listing.symbol}:${name}`, 0, 1);
  const growth = 0.02 + key('revenue-growth') * 0.18;
  const revenue = Math.round(
    (listing.revenueMillions * 1e6) / (1 + growth) ** (latestYear - fiscalYear),
  );
  const grossMargin = 0.3 + key('gross-margin') * 0.45;
  const netIncome = Math.round(
    revenue *
      listing.netMargin *
      (1 + 0.1 * uniformFor(`${listing.symbol}:${fiscalYear}:ni`, -1, 1)),
  );
  const operatingIncome = Math.round(netIncome / 0.8 + revenue * 0.01);
  const depreciation = Math.round(revenue * (0.02 + key('da') * 0.06));
  const totalAssets = Math.round(revenue * (0.8 + key('asset-turnover') * 1.6));
  const totalEquity = Math.round(totalAssets * (0.25 + key('equity-share') * 0.45));
  const totalDebt = Math.round(totalAssets * (0.1 + key('debt-share') * 0.3));
  const operatingCashFlow = Math.round(netIncome + depreciation);
  const capitalExpenditure = -Math.round(revenue * (0.02 + key('capex') * 0.08));
  const shares = Math.round(listing.sharesMillions * 1e6);
  const payout = listing.dividendYield > 0 ? 0.2 + key('payout') * 0.5 : 0;
  return {
    fiscalYear,
    period: 'FY',
    date: `${fiscalYear}-12-31`,
    revenue,
    grossProfit: Math.round(revenue * grossMargin),
    operatingIncome,
    netIncome,
    ebitda: operatingIncome + depreciation,
    epsDiluted: Math.round((netIncome / shares) * 100) / 100,
    interestExpense: Math.round(totalDebt * 0.04),
    totalAssets,
    totalCurrentAssets: Math.round(totalAssets * 0.35),
    totalCurrentLiabilities: Math.round(totalAssets * (0.2 + key('current-liabilities') * 0.15)),
    totalDebt,
    totalEquity,
    cashAndEquivalents: Math.round(totalAssets * (0.05 + key('cash') * 0.15)),
    operatingCashFlow,
    capitalExpenditure,
    freeCashFlow: operatingCashFlow + capitalExpenditure,
    // "|| 0": a non-payer pays 0, not -0.
    dividendsPaid: -Math.round(Math.max(netIncome, 0) * payout) || 0,
    sharesOutstanding: shares,
  };
}

/** Splits each flow of an annual statement into four quarters that add up to it exactly. */
function quartersOf(annual: FinancialStatement): FinancialStatement[] {
  const quarters = SEASONALITY.map((weight, index): FinancialStatement => {
    const month = String((index + 1) * 3).padStart(2, '0');
    const day = index === 0 || index === 3 ? '31' : '30';
    return { ...annual, period: `Q${index + 1}`, date: `${annual.fiscalYear}-${month}-${day}` };
  });
  for (const flow of FLOWS) {
    const total = annual[flow] ?? 0;
    let assigned = 0;
    quarters.forEach((quarter, index) => {
      const value = index === 3 ? total - assigned : Math.round(total * SEASONALITY[index]);
      quarter[flow] = value;
      assigned += value;
    });
  }
  for (const quarter of quarters) {
    quarter.epsDiluted =
      Math.round(((quarter.netIncome ?? 0) / (quarter.sharesOutstanding ?? 1)) * 100) / 100;
  }
  return quarters;
}

/**
 * The statements of a listing as of `today`: the five fiscal years before today's
 * (newest first), or the eight quarters of the last two of them. Quarterly flows add
 * up to the annual ones; the fourth quarter's balance sheet is the year's. A fund has
 * no statements.
 */
export function simulatedStatements(
  listing: SimulatedListing,
  period: 'ANNUAL' | 'QUARTERLY',
  today: string,
): FinancialStatement[] {
  if (listing.revenueMillions <= 0) return [];
  const latestYear = Number(today.slice(0, 4)) - 1;
  const annual = Array.from({ length: ANNUAL_YEARS }, (_, i) =>
    annualStatement(listing, latestYear - i, latestYear),
  );
  if (period === 'ANNUAL') return annual;
  return annual.slice(0, 2).flatMap((year) => quartersOf(year).reverse());
}
