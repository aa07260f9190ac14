import {
  Arg,
  Extensions,
  Authorized,
  ID,
  Int,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { quoteDelayMs, requireViewer, type Context } from '../context';
import { positionsOf } from '../domain/ledger';
import type { Quote } from '../domain/market';
import { accountSubject } from '../domain/viewer';
import { BadUserInputError, NotFoundError } from '../errors/errors';
import { PortfolioValuationType } from '../schema/portfolio.type';
import { QuoteType } from '../schema/quote.type';
import { LiveFeed } from '../services/live-feed';
import { portfolioValuationSource, type Valuation } from '../services/portfolio-feed';
import { requireSymbols } from '../services/symbol-input';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';

const MAX_THROTTLE_MS = LIMITS.throttleMs.max;

function requireThrottle(throttleMs: number | null | undefined): number {
  const throttle = throttleMs ?? 0;
  if (!Number.isInteger(throttle) || throttle < 0 || throttle > MAX_THROTTLE_MS) {
    throw new BadUserInputError(`throttleMs must be 0-${MAX_THROTTLE_MS}`, {
      argument: 'throttleMs',
    });
  }
  return throttle;
}

interface QuotesArgs {
  symbols: string[];
  throttleMs?: number | null;
}

interface ValuationArgs {
  id: string;
  throttleMs?: number | null;
}

/**
 * Live data over WebSocket (graphql-ws). Each subscribe returns a {@link LiveFeed}: the
 * gateway writes its events to the socket, executed once per selection for every
 * subscriber (src/server/ws).
 */
@Resolver()
export class SubscriptionResolver {
  @Authorized('read:market')
  @Extensions({ bounds: { symbols: LIMITS.liveSymbols, throttleMs: LIMITS.throttleMs } })
  @Subscription(() => QuoteType, {
    description:
      'Live quotes of up to 100 symbols: first the latest quote of each, then every move. With throttleMs, at most one event per symbol per interval, always the latest. The plan limits the distinct symbols one account watches over all its subscriptions, portfolio valuations included (Plan.symbolsSubscribed); FREE keys get quotes delayed 15 minutes.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, QuotesArgs, Context>) => {
      const throttle = requireThrottle(args.throttleMs);
      const wanted = [...new Set(requireSymbols(args.symbols))];
      if (wanted.length === 0) {
        throw new BadUserInputError('symbols must name at least one symbol', {
          argument: 'symbols',
        });
      }
      const viewer = requireViewer(context);
      const plan = context.services.plans[viewer.plan];
      const acquired = await context.services.symbols.acquire(
        accountSubject(viewer),
        wanted,
        plan.symbolsSubscribed,
      );
      if (!acquired.ok) {
        throw new BadUserInputError(
          `The ${plan.name} plan allows ${plan.symbolsSubscribed} distinct symbols subscribed per account; ${acquired.held} already are`,
          { argument: 'symbols', max: plan.symbolsSubscribed, subscribed: acquired.held },
        );
      }
      const delayMs = quoteDelayMs(context);
      return new LiveFeed<Quote>(throttle, {
        listen: (emit) =>
          context.services.quoteStream.watch(wanted, (quote) => emit(quote, quote.symbol), delayMs),
        release: () => acquired.hold.release(),
      });
    },
  })
  quotes(
    @Root() quote: Quote,
    @Arg('symbols', () => [String]) _symbols: string[],
    @Arg('throttleMs', () => Int, { nullable: true }) _throttleMs?: number,
  ): Quote {
    return quote;
  }

  @Authorized('read:portfolio')
  @Extensions({ bounds: { throttleMs: LIMITS.throttleMs } })
  @Subscription(() => PortfolioValuationType, {
    description:
      "A portfolio's valuation, first as it is, then recomputed whenever the price of a holding moves or its ledger changes. With throttleMs, at most one event per interval, always the latest. NOT_FOUND when the portfolio is not yours.",
    subscribe: async ({
      args,
      context,
    }: SubscribeResolverData<unknown, ValuationArgs, Context>) => {
      const throttle = requireThrottle(args.throttleMs);
      const viewer = requireViewer(context);
      const portfolio = await context.services.portfolios.find(viewer, args.id);
      if (!portfolio) throw new NotFoundError('No such portfolio');
      const { services } = context;
      const plan = services.plans[viewer.plan];
      const holdSymbols = (symbols: readonly string[]) =>
        services.symbols.acquire(accountSubject(viewer), symbols, plan.symbolsSubscribed);
      const { state } = await services.portfolios.replayedLedger(portfolio.id);
      const symbols = positionsOf(state).map((p) => p.symbol);
      const acquired = await holdSymbols(symbols);
      if (!acquired.ok) {
        throw new BadUserInputError(
          `The ${plan.name} plan allows ${plan.symbolsSubscribed} distinct symbols subscribed per account; ${acquired.held} already are and this portfolio holds ${symbols.length}`,
          { argument: 'id', max: plan.symbolsSubscribed, subscribed: acquired.held },
        );
      }
      return new LiveFeed<Valuation>(
        throttle,
        portfolioValuationSource({
          portfolioId: portfolio.id,
          baseCurrency: portfolio.baseCurrency,
          portfolios: services.portfolios,
          marketData: services.marketData,
          quoteStream: services.quoteStream,
          bus: services.bus,
          logger: context.logger,
          delayMs: quoteDelayMs(context),
          holdSymbols,
          initial: { symbols, hold: acquired.hold },
        }),
      );
    },
  })
  portfolioValuation(
    @Root() valuation: Valuation,
    @Arg('id', () => ID) _id: string,
    @Arg('throttleMs', () => Int, { nullable: true }) _throttleMs?: number,
  ): Valuation {
    return valuation;
  }
}
