import { RateLimit } from '../schema/rate-limit.decorator';
import {
  Arg,
  Authorized,
  Ctx,
  Extensions,
  FieldResolver,
  Float,
  Int,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { Context } from '../context';
import {
  beta,
  dividendGrowth5y,
  dividendStreakYears,
  dividendYield,
  fundamentals,
  high52w,
  low52w,
  maxDrawdown,
  return1y,
  rsi14,
  sharpeRatio,
  sma,
  volatility,
} from '../domain/analytics';
import { aggregateBars } from '../domain/bars';
import type { CompanyProfile } from '../domain/market';
import { DEFAULT_PLANS } from '../domain/plans';
import { BadUserInputError } from '../errors/errors';
import {
  CompanyType,
  DividendType,
  FinancialStatementType,
  IntervalEnum,
  MetricsType,
  PriceBarType,
  SplitType,
  StatementPeriodEnum,
} from '../schema/company.type';
import { DateScalar } from '../schema/date.scalar';
import { QuoteType } from '../schema/quote.type';
import { statementsKey } from '../loaders/market.loaders';
import { resolveHistoryRange } from '../services/history-range';
import { requireSymbol, requireSymbols } from '../services/symbol-input';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';

/** A company found by search: fields search does not carry are loaded on demand. */
type CompanyRoot = CompanyProfile & { partial?: boolean };

const MAX_SEARCH_LIMIT = LIMITS.searchLimit.max;
const MAX_QUERY_LENGTH = LIMITS.searchQuery.max;

/** Root fields for companies, and the fields of Company that need more data. */
@Authorized('read:market')
@Resolver(() => CompanyType)
export class CompanyResolver {
  @Query(() => CompanyType, {
    nullable: true,
    description: 'A company by symbol; null for an unknown symbol.',
  })
  @Extensions({ cost: 1, bounds: { symbol: LIMITS.symbol } })
  company(@Arg('symbol') symbol: string, @Ctx() ctx: Context): Promise<CompanyRoot | null> {
    return ctx.loaders.profile.load(requireSymbol(symbol));
  }

  @Query(() => [CompanyType], {
    nullable: 'items',
    description: 'Up to 100 companies, in the order asked; null where a symbol is unknown.',
  })
  @Extensions({ cost: 1, multiplier: 'symbols', bounds: { symbols: LIMITS.symbols } })
  companies(
    @Arg('symbols', () => [String]) symbols: string[],
    @Ctx() ctx: Context,
  ): Promise<Array<CompanyRoot | null>> {
    return Promise.all(requireSymbols(symbols).map((symbol) => ctx.loaders.profile.load(symbol)));
  }

  @Query(() => [CompanyType], {
    description: 'Companies whose symbol or name matches, best first.',
  })
  @Extensions({
    cost: 5,
    multiplier: 'limit',
    bounds: { limit: LIMITS.searchLimit, query: LIMITS.searchQuery },
  })
  @RateLimit('searchCompanies')
  async searchCompanies(
    @Arg('query') query: string,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() ctx: Context,
  ): Promise<CompanyRoot[]> {
    const text = query.trim();
    if (text.length === 0 || text.length > MAX_QUERY_LENGTH) {
      throw new BadUserInputError(`query must be 1-${MAX_QUERY_LENGTH} characters`, {
        argument: 'query',
        max: MAX_QUERY_LENGTH,
      });
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new BadUserInputError(`limit must be between 1 and ${MAX_SEARCH_LIMIT}`, {
        argument: 'limit',
        max: MAX_SEARCH_LIMIT,
      });
    }
    const found = await ctx.services.marketData.search(text, limit);
    return found.map((profile) => ({ ...profile, partial: true }));
  }

  // Search answers carry symbol, name, exchange and currency; the rest is loaded once
  // per request, and only when asked for.
  private async full(root: CompanyRoot, ctx: Context): Promise<CompanyProfile> {
    if (!root.partial) return root;
    return (await ctx.loaders.profile.load(root.symbol)) ?? root;
  }

  @FieldResolver(() => String, { nullable: true })
  async sector(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).sector;
  }

  @FieldResolver(() => String, { nullable: true })
  async industry(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).industry;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Country of domicile.' })
  async country(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).country;
  }

  @FieldResolver(() => String, { nullable: true })
  async description(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).description;
  }

  @FieldResolver(() => String, { nullable: true })
  async website(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).website;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Full-time employees.' })
  async employees(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return (await this.full(root, ctx)).employees;
  }

  @FieldResolver(() => QuoteType, { nullable: true, description: 'The latest quote.' })
  @Extensions({ cost: 1 })
  quote(@Root() root: CompanyRoot, @Ctx() ctx: Context) {
    return ctx.loaders.quote.load(root.symbol);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "Market capitalisation: the quote's, or the latest annual diluted shares × the quote's price when the provider does not send it.",
  })
  @Extensions({ cost: 1 })
  async marketCap(@Root() root: CompanyRoot, @Ctx() ctx: Context): Promise<number | null> {
    return marketCapOf(root.symbol, ctx);
  }

  @FieldResolver(() => [PriceBarType], {
    description:
      'Price history, oldest first. from and to are ISO dates, inclusive; to defaults to today and from to a year before to. The range is capped by the plan (Plan.historyDays).',
  })
  @Extensions({ price: 'history' })
  async history(
    @Root() root: CompanyRoot,
    @Ctx() ctx: Context,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string,
    @Arg('interval', () => IntervalEnum, { defaultValue: IntervalEnum.DAILY })
    interval?: IntervalEnum,
  ): Promise<PriceBarType[]> {
    const plan = ctx.services.plans[ctx.viewer?.plan ?? 'FREE'] ?? DEFAULT_PLANS.FREE;
    const range = resolveHistoryRange({ from, to }, plan.historyDays, new Date());
    const bars = (await ctx.loaders.history.load(root.symbol)) ?? [];
    const inRange = bars.filter((bar) => bar.date >= range.from && bar.date <= range.to);
    return aggregateBars(inRange, interval ?? IntervalEnum.DAILY);
  }

  @FieldResolver(() => [DividendType], {
    description: 'Cash dividends by ex-date, oldest first, optionally within [from, to].',
  })
  @Extensions({ cost: 2 })
  async dividends(
    @Root() root: CompanyRoot,
    @Ctx() ctx: Context,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string,
  ): Promise<DividendType[]> {
    const dividends = (await ctx.loaders.dividends.load(root.symbol)) ?? [];
    return dividends.filter((d) => (!from || d.exDate >= from) && (!to || d.exDate <= to));
  }

  @FieldResolver(() => [SplitType], { description: 'Stock splits, oldest first.' })
  @Extensions({ cost: 1 })
  async splits(@Root() root: CompanyRoot, @Ctx() ctx: Context): Promise<SplitType[]> {
    return (await ctx.loaders.splits.load(root.symbol)) ?? [];
  }

  @FieldResolver(() => [FinancialStatementType], {
    description: 'Financial statements, newest first: up to 5 fiscal years or 8 quarters.',
  })
  @Extensions({ cost: 3, bounds: { limit: LIMITS.financialsLimit } })
  async financials(
    @Root() root: CompanyRoot,
    @Ctx() ctx: Context,
    @Arg('period', () => StatementPeriodEnum, { defaultValue: StatementPeriodEnum.ANNUAL })
    period: StatementPeriodEnum,
    @Arg('limit', () => Int, { defaultValue: 4 }) limit: number,
  ): Promise<FinancialStatementType[]> {
    const { min, max } = LIMITS.financialsLimit;
    if (!Number.isInteger(limit) || limit < min || limit > max) {
      throw new BadUserInputError(`limit must be between ${min} and ${max}`, {
        argument: 'limit',
        max,
      });
    }
    const statements =
      (await ctx.loaders.statements.load(statementsKey(root.symbol, period))) ?? [];
    return statements.slice(0, limit);
  }

  @FieldResolver(() => MetricsType, {
    description:
      'Computed analytics from the same data as history, dividends, financials and quote (no extra upstream calls). benchmark is the symbol beta is measured against.',
  })
  @Extensions({ cost: 10, bounds: { benchmark: LIMITS.symbol } })
  async metrics(
    @Root() root: CompanyRoot,
    @Ctx() ctx: Context,
    @Arg('benchmark', { defaultValue: 'SPY' }) benchmark: string,
  ): Promise<MetricsType> {
    const benchmarkSymbol = requireSymbol(benchmark, 'benchmark');
    const [bars, benchmarkBars, dividends, annual, quote, marketCap] = await Promise.all([
      ctx.loaders.history.load(root.symbol),
      ctx.loaders.history.load(benchmarkSymbol),
      ctx.loaders.dividends.load(root.symbol),
      ctx.loaders.statements.load(statementsKey(root.symbol, 'ANNUAL')),
      ctx.loaders.quote.load(root.symbol),
      marketCapOf(root.symbol, ctx),
    ]);
    const series = bars ?? [];
    const paid = dividends ?? [];
    return {
      return1y: return1y(series),
      volatility: volatility(series),
      beta: benchmarkBars ? beta(series, benchmarkBars) : null,
      sharpeRatio: sharpeRatio(series, ctx.services.analytics.riskFreeRate),
      maxDrawdown: maxDrawdown(series),
      sma50: sma(series, 50),
      sma200: sma(series, 200),
      rsi14: rsi14(series),
      high52w: high52w(series),
      low52w: low52w(series),
      dividendYield: dividendYield(series, paid),
      dividendGrowth5y: dividendGrowth5y(series, paid),
      dividendStreakYears: dividendStreakYears(series, paid),
      ...fundamentals({ annual: annual ?? [], price: quote?.price ?? null, marketCap }),
    };
  }
}

async function marketCapOf(symbol: string, ctx: Context): Promise<number | null> {
  const quote = await ctx.loaders.quote.load(symbol);
  if (!quote) return null;
  if (quote.marketCap !== null) return quote.marketCap;
  const annual = await ctx.loaders.statements.load(statementsKey(symbol, 'ANNUAL'));
  const shares = annual?.[0]?.sharesOutstanding;
  return shares ? shares * quote.price : null;
}
