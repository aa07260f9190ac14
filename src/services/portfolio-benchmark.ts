import { relativeToBenchmark, type BenchmarkRelative } from '../domain/benchmark-relative';
import { BadUserInputError } from '../errors/errors';
import type { MarketLoaders } from '../loaders/market.loaders';
import type { PerformanceView } from './portfolio-performance';
import { requireSymbol } from './symbol-input';

/** A portfolio's performance against one benchmark. */
export interface BenchmarkComparison extends BenchmarkRelative {
  symbol: string;
}

/**
 * The benchmark-relative figures of a performance's daily time-weighted index against
 * `benchmark`'s adjusted closes (one history load, shared with the request's other
 * loads). BAD_USER_INPUT naming `argument` for a malformed or unknown symbol.
 * `riskFreeRate` is annual.
 */
export async function benchmarkComparisonOf(
  performance: Pick<PerformanceView, 'index'>,
  loaders: Pick<MarketLoaders, 'history'>,
  benchmark: string,
  riskFreeRate = 0,
  argument = 'symbol',
): Promise<BenchmarkComparison> {
  const symbol = requireSymbol(benchmark, argument);
  const bars = await loaders.history.load(symbol);
  if (bars === null) {
    throw new BadUserInputError(`Unknown benchmark symbol ${symbol}`, { argument });
  }
  return { symbol, ...relativeToBenchmark(performance.index ?? [], bars, riskFreeRate) };
}
