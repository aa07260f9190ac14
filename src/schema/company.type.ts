import { Extensions, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Split,
} from '../domain/market';
import { DateScalar } from './date.scalar';

/** Bar sizes of `Company.history`. */
export enum IntervalEnum {
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
}
registerEnumType(IntervalEnum, {
  name: 'Interval',
  description:
    'Bar size. WEEKLY (Monday-based weeks) and MONTHLY bars aggregate daily bars: first open, last close and adjClose, max high, min low, summed volume, dated by the period’s first trading day.',
});

/** Statement periods. */
export enum StatementPeriodEnum {
  ANNUAL = 'ANNUAL',
  QUARTERLY = 'QUARTERLY',
}
registerEnumType(StatementPeriodEnum, {
  name: 'StatementPeriod',
  description: 'Fiscal years or quarters.',
});

@ObjectType('PriceBar', { description: 'One bar of price history.' })
export class PriceBarType implements PriceBar {
  @Field(() => DateScalar, {
    description: 'Trading day (first trading day of the week or month for aggregated bars).',
  })
  date!: string;
  @Field(() => Float)
  open!: number;
  @Field(() => Float)
  high!: number;
  @Field(() => Float)
  low!: number;
  @Field(() => Float)
  close!: number;
  @Field(() => Float, {
    description: 'Close adjusted for later splits and dividends (total-return series).',
  })
  adjClose!: number;
  @Field(() => Float, { description: 'Shares traded.' })
  volume!: number;
}

@ObjectType('Dividend', { description: 'A cash dividend per share.' })
export class DividendType implements Dividend {
  @Field(() => DateScalar, { description: 'Ex-dividend date.' })
  exDate!: string;
  @Field(() => DateScalar, { nullable: true })
  paymentDate!: string | null;
  @Field(() => Float, { description: 'Cash per share, adjusted for later splits.' })
  amount!: number;
}

@ObjectType('Split', { description: 'A stock split.' })
export class SplitType implements Split {
  @Field(() => DateScalar)
  date!: string;
  @Field(() => Float, { description: 'New shares per old share (4 for a 4-for-1 split).' })
  ratio!: number;
}

@ObjectType('FinancialStatement', {
  description:
    'Income statement, balance sheet and cash flow of one fiscal period. Money in the reporting currency; outflows negative.',
})
export class FinancialStatementType implements FinancialStatement {
  @Field(() => Int)
  fiscalYear!: number;
  @Field({ description: 'FY for a fiscal year, Q1–Q4 for quarters.' })
  period!: string;
  @Field(() => DateScalar, { description: 'Period end.' })
  date!: string;
  @Field(() => Float, { nullable: true })
  revenue!: number | null;
  @Field(() => Float, { nullable: true })
  grossProfit!: number | null;
  @Field(() => Float, { nullable: true })
  operatingIncome!: number | null;
  @Field(() => Float, { nullable: true })
  netIncome!: number | null;
  @Field(() => Float, { nullable: true })
  ebitda!: number | null;
  @Field(() => Float, { nullable: true })
  epsDiluted!: number | null;
  @Field(() => Float, { nullable: true })
  interestExpense!: number | null;
  @Field(() => Float, { nullable: true })
  totalAssets!: number | null;
  @Field(() => Float, { nullable: true })
  totalCurrentAssets!: number | null;
  @Field(() => Float, { nullable: true })
  totalCurrentLiabilities!: number | null;
  @Field(() => Float, { nullable: true })
  totalDebt!: number | null;
  @Field(() => Float, { nullable: true })
  totalEquity!: number | null;
  @Field(() => Float, { nullable: true })
  cashAndEquivalents!: number | null;
  @Field(() => Float, { nullable: true })
  operatingCashFlow!: number | null;
  @Field(() => Float, { nullable: true, description: 'Negative: cash spent.' })
  capitalExpenditure!: number | null;
  @Field(() => Float, { nullable: true, description: 'operatingCashFlow + capitalExpenditure.' })
  freeCashFlow!: number | null;
  @Field(() => Float, { nullable: true, description: 'Negative: cash paid out.' })
  dividendsPaid!: number | null;
  @Field(() => Float, { nullable: true, description: 'Diluted shares outstanding.' })
  sharesOutstanding!: number | null;
}

const m = (description: string) => ({ nullable: true, description });

@ObjectType('Metrics', {
  description:
    'Computed analytics. Every metric is null where its inputs are missing or a divisor is zero, never NaN. Ratios are fractions (0.034, not 3.4). Price metrics use daily bars; "the last N bars" end at the latest bar.',
})
export class MetricsType {
  @Field(() => Float, m('adjClose of the latest bar / adjClose 252 bars earlier − 1.'))
  return1y!: number | null;
  @Field(
    () => Float,
    m('Sample standard deviation (n−1) of the last 252 daily log returns of adjClose × √252.'),
  )
  volatility!: number | null;
  @Field(
    () => Float,
    m(
      'cov / var of daily simple returns of adjClose, stock vs benchmark, over the last 252 dates both have (n−1 in both).',
    ),
  )
  beta!: number | null;
  @Field(
    () => Float,
    m(
      '(mean of the last 252 daily simple returns × 252 − RISK_FREE_RATE) / (their sample std × √252).',
    ),
  )
  sharpeRatio!: number | null;
  @Field(
    () => Float,
    m('Over the last 252 bars of adjClose: max of 1 − P_t / max(P_s, s ≤ t), a positive fraction.'),
  )
  maxDrawdown!: number | null;
  @Field(() => Float, m('Mean of the last 50 closes.'))
  sma50!: number | null;
  @Field(() => Float, m('Mean of the last 200 closes.'))
  sma200!: number | null;
  @Field(
    () => Float,
    m(
      'Wilder RSI of closes over the last 253 bars: first averages are the simple means of the first 14 gains and losses, then avg = (avg × 13 + x) / 14; 100 × avgGain / (avgGain + avgLoss).',
    ),
  )
  rsi14!: number | null;
  @Field(() => Float, m('Max high of the last 252 bars.'))
  high52w!: number | null;
  @Field(() => Float, m('Min low of the last 252 bars.'))
  low52w!: number | null;
  @Field(
    () => Float,
    m(
      'Sum of dividends with ex-date in the 365 days ending at the latest bar / latest close; null for a company that never paid one.',
    ),
  )
  dividendYield!: number | null;
  @Field(
    () => Float,
    m(
      '(total dividends of calendar year Y−1 / total of Y−6)^(1/5) − 1, Y = year of the latest bar.',
    ),
  )
  dividendGrowth5y!: number | null;
  @Field(
    () => Int,
    m('Consecutive calendar years up to Y−1 whose dividend total exceeds the year before.'),
  )
  dividendStreakYears!: number | null;
  @Field(() => Float, m('abs(dividendsPaid) / netIncome, latest annual statement.'))
  payoutRatio!: number | null;
  @Field(() => Float, m('Current quote price / epsDiluted of the latest annual statement.'))
  peRatio!: number | null;
  @Field(() => Float, m('epsDiluted of the latest annual statement / current quote price.'))
  earningsYield!: number | null;
  @Field(() => Float, m('marketCap / totalEquity.'))
  pbRatio!: number | null;
  @Field(() => Float, m('marketCap / revenue.'))
  psRatio!: number | null;
  @Field(() => Float, m('freeCashFlow / marketCap.'))
  fcfYield!: number | null;
  @Field(() => Float, m('(marketCap + totalDebt − cashAndEquivalents) / ebitda.'))
  evToEbitda!: number | null;
  @Field(() => Float, m('grossProfit / revenue.'))
  grossMargin!: number | null;
  @Field(() => Float, m('operatingIncome / revenue.'))
  operatingMargin!: number | null;
  @Field(() => Float, m('netIncome / revenue.'))
  netMargin!: number | null;
  @Field(() => Float, m('netIncome / totalEquity.'))
  roe!: number | null;
  @Field(() => Float, m('netIncome / totalAssets.'))
  roa!: number | null;
  @Field(() => Float, m('totalDebt / totalEquity.'))
  debtToEquity!: number | null;
  @Field(() => Float, m('totalCurrentAssets / totalCurrentLiabilities.'))
  currentRatio!: number | null;
  @Field(() => Float, m('operatingIncome / interestExpense.'))
  interestCoverage!: number | null;
  @Field(() => Float, m('Latest annual revenue / the year before − 1.'))
  revenueGrowth1y!: number | null;
  @Field(() => Float, m('(latest annual revenue / revenue three years earlier)^(1/3) − 1.'))
  revenueCagr3y!: number | null;
  @Field(() => Float, m('Latest annual epsDiluted / the year before − 1.'))
  epsGrowth1y!: number | null;
}

@ObjectType('Company', {
  description:
    'A listed company. Fundamental ratios use the latest annual statement and marketCap.',
})
@Extensions({ cost: 1 })
export class CompanyType implements CompanyProfile {
  @Field({ description: 'Ticker symbol, upper-case.' })
  symbol!: string;
  @Field()
  name!: string;
  @Field({ description: 'Listing exchange.' })
  exchange!: string;
  @Field({ description: 'Trading currency (ISO 4217).' })
  currency!: string;
  @Field(() => String, { nullable: true })
  sector!: string | null;
  @Field(() => String, { nullable: true })
  industry!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Country of domicile (ISO 3166 alpha-2 where known).',
  })
  country!: string | null;
  @Field(() => String, { nullable: true })
  description!: string | null;
  @Field(() => String, { nullable: true })
  website!: string | null;
  @Field(() => Int, { nullable: true, description: 'Full-time employees.' })
  employees!: number | null;
}
