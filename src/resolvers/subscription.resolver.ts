import {
  Arg,
  Authorized,
  Int,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { Context } from '../context';
import type { Quote } from '../domain/market';
import { BadUserInputError } from '../errors/errors';
import { QuoteType } from '../schema/quote.type';
import { conflatedQuotes } from '../services/conflation';
import { requireSymbols } from '../services/symbol-input';

const MAX_THROTTLE_MS = 60_000;

interface QuotesArgs {
  symbols: string[];
  throttleMs?: number | null;
}

/** Live data over WebSocket (graphql-ws). */
@Resolver()
export class SubscriptionResolver {
  @Authorized('read:market')
  @Subscription(() => QuoteType, {
    description:
      'Live quotes of up to 100 symbols. With throttleMs, at most one event per symbol per interval, always the latest.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, QuotesArgs, Context>) => {
      const { symbols, throttleMs } = args;
      const throttle = throttleMs ?? 0;
      if (!Number.isInteger(throttle) || throttle < 0 || throttle > MAX_THROTTLE_MS) {
        throw new BadUserInputError(`throttleMs must be 0-${MAX_THROTTLE_MS}`, {
          argument: 'throttleMs',
        });
      }
      const wanted = requireSymbols(symbols);
      const plan = context.services.plans[context.viewer?.plan ?? 'FREE'];
      if (new Set(wanted).size > plan.symbolsSubscribed) {
        throw new BadUserInputError(
          `The ${plan.name} plan allows ${plan.symbolsSubscribed} symbols per subscription`,
          { argument: 'symbols', max: plan.symbolsSubscribed },
        );
      }
      return conflatedQuotes(context.services.quoteStream, wanted, throttle);
    },
  })
  quotes(
    @Root() quote: Quote,
    @Arg('symbols', () => [String]) _symbols: string[],
    @Arg('throttleMs', () => Int, { nullable: true }) _throttleMs?: number,
  ): Quote {
    return quote;
  }
}
