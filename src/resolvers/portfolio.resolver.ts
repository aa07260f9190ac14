import { RateLimit } from '../schema/rate-limit.decorator';
import {
  Arg,
  Authorized,
  Ctx,
  Extensions,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { pageOf } from '../domain/pagination';
import { DEFAULT_TRANSACTIONS_PAGE, MAX_TRANSACTIONS_PAGE } from '../domain/query-prices';
import { BadUserInputError } from '../errors/errors';
import { TransactionConnectionType } from '../schema/transaction-connection.type';
import type { Portfolio, Transaction } from '../generated/prisma/client';
import type { NewTransaction } from '../datasources/database/portfolio.repository';
import { CompanyType } from '../schema/company.type';
import { PerformanceType } from '../schema/performance.type';
import { DateScalar } from '../schema/date.scalar';
import {
  AllocationByEnum,
  AllocationSliceType,
  HoldingType,
  ImportFormatEnum,
  ImportResultType,
  IncomeType,
  PortfolioType,
  PortfolioValuationType,
  RiskType,
  TransactionInput,
  LedgerProblemType,
  TransactionType,
  type TransactionTypeEnum,
} from '../schema/portfolio.type';
import {
  allocationOf,
  holdingsOf,
  incomeOf,
  riskOf,
  valuationOf,
  type HoldingView,
} from '../services/portfolio-analytics';
import { performanceOf } from '../services/portfolio-performance';
import { bookOf, type PortfolioBook } from '../services/portfolio-currency';
import type { PortfolioService } from '../services/portfolio.service';
import { requireSymbol } from '../services/symbol-input';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';

// Work done once per request and key, however often the request asks for it (aliases):
// one read and replay of a portfolio's ledger for all its fields, one computation of
// each analytic per portfolio and arguments.
const memos = new WeakMap<Context, Map<string, Promise<unknown>>>();
function once<T>(ctx: Context, key: string, compute: () => Promise<T>): Promise<T> {
  let byKey = memos.get(ctx);
  if (!byKey) {
    byKey = new Map();
    memos.set(ctx, byKey);
  }
  let result = byKey.get(key) as Promise<T> | undefined;
  if (!result) {
    result = compute();
    byKey.set(key, result);
  }
  return result;
}
function ledgerOf(root: Portfolio, ctx: Context): ReturnType<PortfolioService['ledger']> {
  return once(ctx, `ledger:${root.id}`, () => ctx.services.portfolios.ledger(root.id));
}
/** The ledger in the portfolio's base currency (see bookOf): once per request. */
function bookFor(root: Portfolio, ctx: Context): Promise<PortfolioBook> {
  return once(ctx, `book:${root.id}`, async () =>
    bookOf(await replayedOf(root, ctx), root.baseCurrency, ctx.loaders, today()),
  );
}
/** The ledger for figures computed from it: LedgerDoesNotReplayError when it does not replay. */
function replayedOf(root: Portfolio, ctx: Context): ReturnType<PortfolioService['ledger']> {
  return once(ctx, `replayed:${root.id}`, () => ctx.services.portfolios.replayedLedger(root.id));
}

const today = () => new Date().toISOString().slice(0, 10);

function inputToNew(input: TransactionInput): NewTransaction {
  const text = (value: string | undefined) =>
    value === undefined || value === null ? null : value.trim();
  return {
    type: input.type as NewTransaction['type'],
    date: input.date,
    symbol: input.symbol ? requireSymbol(input.symbol, 'input.symbol') : null,
    quantity: text(input.quantity),
    price: text(input.price),
    fee: text(input.fee) ?? '0',
    amount: text(input.amount),
    ratio: text(input.ratio),
    note: input.note?.slice(0, 200) ?? null,
  };
}

function transactionView(t: Transaction): TransactionType {
  // toFixed(), not toString(): decimal.js writes 0.00000001 as "1e-8" otherwise.
  const s = (v: { toFixed(): string } | null) => (v === null ? null : v.toFixed());
  return {
    id: t.id,
    type: t.type as TransactionTypeEnum,
    date: t.date.toISOString().slice(0, 10),
    symbol: t.symbol,
    quantity: s(t.quantity),
    price: s(t.price),
    fee: t.fee.toFixed(),
    amount: s(t.amount),
    ratio: s(t.ratio),
    note: t.note,
  };
}

/** Portfolios: the caller's own only; someone else's id reads as null or NOT_FOUND. */
@Resolver(() => PortfolioType)
export class PortfolioResolver {
  @Authorized('read:portfolio')
  @Query(() => [PortfolioType], { description: 'Your portfolios.' })
  portfolios(@Ctx() ctx: Context): Promise<Portfolio[]> {
    return ctx.services.portfolios.list(requireViewer(ctx));
  }

  @Authorized('read:portfolio')
  @Query(() => PortfolioType, {
    nullable: true,
    description: 'One of your portfolios; null when not yours.',
  })
  portfolio(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Portfolio | null> {
    return ctx.services.portfolios.find(requireViewer(ctx), id);
  }

  @Authorized('write:portfolio')
  @Mutation(() => PortfolioType)
  @Extensions({ bounds: { name: LIMITS.portfolioName, baseCurrency: LIMITS.currency } })
  createPortfolio(
    @Arg('name') name: string,
    @Ctx() ctx: Context,
    @Arg('baseCurrency', { defaultValue: 'USD' }) baseCurrency: string,
  ) {
    return ctx.services.portfolios.create(requireViewer(ctx), name, baseCurrency);
  }

  @Authorized('write:portfolio')
  @Mutation(() => PortfolioType)
  @Extensions({ bounds: { name: LIMITS.portfolioName } })
  renamePortfolio(@Arg('id', () => ID) id: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.portfolios.rename(requireViewer(ctx), id, name);
  }

  @Authorized('write:portfolio')
  @Mutation(() => Boolean, { description: 'Deletes a portfolio and its ledger.' })
  deletePortfolio(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.portfolios.delete(requireViewer(ctx), id);
  }

  @Authorized('write:portfolio')
  @Mutation(() => TransactionType, {
    description:
      'Adds a ledger entry: known symbol, positive numbers, no future date, no sell beyond the open quantity at its date.',
  })
  async addTransaction(
    @Arg('portfolioId', () => ID) portfolioId: string,
    @Arg('input', () => TransactionInput) input: TransactionInput,
    @Ctx() ctx: Context,
  ) {
    return transactionView(
      await ctx.services.portfolios.addTransaction(
        requireViewer(ctx),
        portfolioId,
        inputToNew(input),
        ctx.marketData,
      ),
    );
  }

  @Authorized('write:portfolio')
  @Mutation(() => Boolean, { description: 'Deletes an entry, unless a later sell depends on it.' })
  deleteTransaction(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.portfolios.deleteTransaction(requireViewer(ctx), id);
  }

  @Authorized('write:portfolio')
  @RateLimit('importTransactions')
  @Mutation(() => ImportResultType, {
    description:
      'Imports a CSV. Lines that fail a check are skipped and listed in errors with their line number; the valid ones are written in one database transaction (all or none). dryRun checks without writing.',
  })
  importTransactions(
    @Arg('portfolioId', () => ID) portfolioId: string,
    @Arg('csv') csv: string,
    @Ctx() ctx: Context,
    @Arg('format', () => ImportFormatEnum, { defaultValue: ImportFormatEnum.GENERIC })
    format: ImportFormatEnum,
    @Arg('dryRun', { defaultValue: false }) dryRun: boolean,
  ) {
    return ctx.services.portfolios.importTransactions(
      requireViewer(ctx),
      portfolioId,
      csv,
      format,
      dryRun,
      ctx.marketData,
    );
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => LedgerProblemType, {
    nullable: true,
    description: 'Null when the stored ledger replays; else the first entry that does not fit.',
  })
  async ledgerProblem(
    @Root() root: Portfolio,
    @Ctx() ctx: Context,
  ): Promise<LedgerProblemType | null> {
    return (await ledgerOf(root, ctx)).problem;
  }

  // A mutation's result shows only what the caller may read: a write:portfolio key gets
  // back the portfolio it wrote, not its ledger or analytics.
  @Authorized('read:portfolio')
  @FieldResolver(() => TransactionConnectionType, {
    description: `The ledger, by date then entry order, a page at a time: \`first\` entries (1-${MAX_TRANSACTIONS_PAGE}) after the cursor \`after\`.`,
  })
  @Extensions({
    price: 'transactions',
    bounds: { first: LIMITS.transactionsFirst, after: LIMITS.cursor },
  })
  async transactions(
    @Root() root: Portfolio,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: DEFAULT_TRANSACTIONS_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<TransactionConnectionType> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_TRANSACTIONS_PAGE) {
      throw new BadUserInputError(`first must be between 1 and ${MAX_TRANSACTIONS_PAGE}`, {
        argument: 'first',
        min: 1,
        max: MAX_TRANSACTIONS_PAGE,
      });
    }
    const { rows } = await ledgerOf(root, ctx);
    let page;
    try {
      page = pageOf(rows, (row) => row.id, first, after);
    } catch (error) {
      throw new BadUserInputError((error as Error).message, { argument: 'after' });
    }
    const edges = page.items.map(({ cursor, item }) => ({ cursor, node: transactionView(item) }));
    return {
      edges,
      nodes: edges.map((edge) => edge.node),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => [HoldingType], {
    description: 'Open positions, valued with one batched quote load.',
  })
  @Extensions({ price: 'holdings' })
  async holdings(@Root() root: Portfolio, @Ctx() ctx: Context): Promise<HoldingView[]> {
    return holdingsOf(await bookFor(root, ctx), ctx.loaders);
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => PortfolioValuationType)
  @Extensions({ price: 'perHoldings' })
  async valuation(@Root() root: Portfolio, @Ctx() ctx: Context) {
    return valuationOf(await bookFor(root, ctx), ctx.loaders);
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => PerformanceType, {
    description:
      'Returns, drawdown, Sortino ratio, attribution and benchmark comparison over [from, to] (ISO dates; default: first entry to today).',
  })
  @Extensions({ price: 'performance' })
  async performance(
    @Root() root: Portfolio,
    @Ctx() ctx: Context,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string,
  ) {
    return once(ctx, `performance:${root.id}:${from ?? ''}:${to ?? ''}`, async () => {
      const { entries } = await replayedOf(root, ctx);
      return performanceOf(
        entries,
        ctx.loaders,
        { from, to },
        today(),
        ctx.services.analytics.riskFreeRate,
        await bookFor(root, ctx),
      );
    });
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => [AllocationSliceType], {
    description: 'Market value (in baseCurrency) by symbol, sector, country or listing currency.',
  })
  @Extensions({ price: 'perHoldings' })
  async allocation(
    @Root() root: Portfolio,
    @Ctx() ctx: Context,
    @Arg('by', () => AllocationByEnum, { defaultValue: AllocationByEnum.SYMBOL })
    by: AllocationByEnum,
  ) {
    return allocationOf(await bookFor(root, ctx), ctx.loaders, by);
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => IncomeType)
  @Extensions({ price: 'perHoldings' })
  async income(@Root() root: Portfolio, @Ctx() ctx: Context) {
    return incomeOf(await bookFor(root, ctx), ctx.loaders, today());
  }

  @Authorized('read:portfolio')
  @FieldResolver(() => RiskType)
  @Extensions({ price: 'risk' })
  async risk(@Root() root: Portfolio, @Ctx() ctx: Context) {
    return once(ctx, `risk:${root.id}`, async () => riskOf(await bookFor(root, ctx), ctx.loaders));
  }
}

/** Holding.company, loaded with every other holding's in one batch. */
@Resolver(() => HoldingType)
export class HoldingResolver {
  @FieldResolver(() => CompanyType, { nullable: true })
  company(@Root() root: HoldingView, @Ctx() ctx: Context) {
    return ctx.loaders.profile.load(root.symbol);
  }
}
