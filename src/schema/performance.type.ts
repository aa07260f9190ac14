import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DateScalar } from './date.scalar';

const m = (description: string) => ({ nullable: true, description });

@ObjectType('ReturnAttribution', {
  description:
    "The range's return (end value − start value − net flows) by source, in money: price + dividends + currency + fees = total. Amounts are not converted between currencies.",
})
export class ReturnAttributionType {
  @Field(
    () => Float,
    m(
      "Realized and unrealized price gains: the holdings' market value at the range's last day − at the close before it − (buys − sells at trade prices) − currency. Null when a held symbol has no close then.",
    ),
  )
  price!: number | null;
  @Field(() => Float, { description: 'DIVIDEND amounts in the range.' })
  dividends!: number;
  @Field(
    () => Float,
    m(
      'Exchange-rate effect on the holdings. 0 until holdings are converted at FX rates (baseCurrency is informational).',
    ),
  )
  currency!: number | null;
  @Field(() => Float, {
    description: '−(FEE entries + buy and sell commissions) in the range: negative or 0.',
  })
  fees!: number;
  @Field(() => Float, m('price + dividends + currency + fees.'))
  total!: number | null;
}

@ObjectType('BenchmarkComparison', {
  description:
    "The portfolio's daily time-weighted returns against a benchmark's daily adjClose returns, paired on the dates both have. Annual figures use 252 days and RISK_FREE_RATE.",
})
export class BenchmarkComparisonType {
  @Field({ description: 'The benchmark symbol.' })
  symbol!: string;
  @Field(() => Int, { description: 'Daily return pairs the figures are computed from.' })
  observations!: number;
  @Field(
    () => Float,
    m(
      'Benchmark adjClose at the last paired date / at the first − 1: the benchmark over the days timeWeightedReturn measures.',
    ),
  )
  benchmarkReturn!: number | null;
  @Field(() => Float, m('cov / var of the daily returns, portfolio vs benchmark (n−1 in both).'))
  beta!: number | null;
  @Field(
    () => Float,
    m(
      "Jensen's alpha, annualised: (mean rp × 252 − RISK_FREE_RATE) − beta × (mean rb × 252 − RISK_FREE_RATE).",
    ),
  )
  alpha!: number | null;
  @Field(() => Float, m('(Sample std (n−1) of the daily active returns rp − rb) × √252.'))
  trackingError!: number | null;
  @Field(() => Float, m('Mean daily active return × 252 / trackingError.'))
  informationRatio!: number | null;
}

@ObjectType('Performance', {
  description:
    'Returns and risk over [from, to] from the daily value series: holdings at each close (carried over gaps) plus cash, with external flows.',
})
export class PerformanceType {
  @Field(() => DateScalar)
  from!: string;
  @Field(() => DateScalar)
  to!: string;
  @Field(() => Float)
  startValue!: number;
  @Field(() => Float)
  endValue!: number;
  @Field(() => Float, { description: 'External flows in the period (+ in).' })
  netFlows!: number;
  @Field(() => Float, m('Daily time-weighted return: Π value_t / (value_{t−1} + flow_t) − 1.'))
  timeWeightedReturn!: number | null;
  @Field(() => Float, m('XIRR, annualised, Actual/365.'))
  moneyWeightedReturn!: number | null;
  @Field({
    description:
      'DEPOSITS: external flows are DEPOSIT/WITHDRAWAL. TRADES: the ledger has none, so buys and sells are the flows.',
  })
  flowBasis!: string;
  @Field(
    () => Float,
    m(
      'Of the daily time-weighted index (growth of 1, net of flows): max over t of 1 − I_t / max(I_s, s ≤ t), a positive fraction; 0 if it never fell; null under two closes.',
    ),
  )
  maxDrawdown!: number | null;
  @Field(
    () => Int,
    m(
      'Calendar days from the peak of the maximum drawdown to its recovery, or to the last day of the series when it has not recovered (maxDrawdownRecovery null).',
    ),
  )
  maxDrawdownDuration!: number | null;
  @Field(() => DateScalar, m('Last close at the peak before the maximum drawdown.'))
  maxDrawdownPeak!: string | null;
  @Field(() => DateScalar, m('Close at the bottom of the maximum drawdown.'))
  maxDrawdownTrough!: string | null;
  @Field(
    () => DateScalar,
    m('First close after the trough back at the peak; null when not recovered by the end.'),
  )
  maxDrawdownRecovery!: string | null;
  @Field(
    () => Float,
    m(
      '(mean daily return × 252 − RISK_FREE_RATE) / (downside deviation × √252), downside deviation = √(mean over all days of min(0, r_t)²) (target 0); null when no day lost.',
    ),
  )
  sortinoRatio!: number | null;
  @Field(() => ReturnAttributionType)
  attribution!: ReturnAttributionType;
}
