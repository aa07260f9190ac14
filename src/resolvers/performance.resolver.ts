import { Arg, Ctx, Extensions, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';
import { BenchmarkComparisonType, PerformanceType } from '../schema/performance.type';
import { benchmarkComparisonOf, type BenchmarkComparison } from '../services/portfolio-benchmark';
import type { PerformanceView } from '../services/portfolio-performance';

// Per performance (one per request, portfolio and range) and benchmark: aliases asking
// the same comparison compute it once.
const comparisons = new WeakMap<PerformanceView, Map<string, Promise<BenchmarkComparison>>>();

/** Performance's fields that load more than the ledger's own histories. */
@Resolver(() => PerformanceType)
export class PerformanceResolver {
  @FieldResolver(() => BenchmarkComparisonType, {
    description:
      'Against a benchmark symbol (default SPY): its return, beta, alpha, tracking error and information ratio over the same days; an unknown symbol is BAD_USER_INPUT.',
  })
  @Extensions({ cost: 5, bounds: { symbol: LIMITS.symbol } })
  benchmark(
    @Root() root: PerformanceView,
    @Ctx() ctx: Context,
    @Arg('symbol', () => String, { defaultValue: 'SPY' }) symbol: string,
  ): Promise<BenchmarkComparison> {
    let bySymbol = comparisons.get(root);
    if (!bySymbol) {
      bySymbol = new Map();
      comparisons.set(root, bySymbol);
    }
    let comparison = bySymbol.get(symbol);
    if (!comparison) {
      comparison = benchmarkComparisonOf(
        root,
        ctx.loaders,
        symbol,
        ctx.services.analytics.riskFreeRate,
      );
      bySymbol.set(symbol, comparison);
    }
    return comparison;
  }
}
