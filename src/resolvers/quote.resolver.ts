import {
  Arg,
  Authorized,
  Ctx,
  Extensions,
  FieldResolver,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { Context } from '../context';
import type { Quote } from '../domain/market';
import { QuoteType } from '../schema/quote.type';
import { requireSymbol, requireSymbols } from '../services/symbol-input';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';

/** Root fields for quotes; every symbol of a request is fetched in one batch. */
@Authorized('read:market')
@Resolver(() => QuoteType)
export class QuoteResolver {
  @Query(() => QuoteType, {
    nullable: true,
    description: 'The latest quote of a symbol; null when no provider knows the symbol.',
  })
  @Extensions({ cost: 1, bounds: { symbol: LIMITS.symbol } })
  quote(@Arg('symbol') symbol: string, @Ctx() ctx: Context): Promise<QuoteType | null> {
    return ctx.loaders.quote.load(requireSymbol(symbol));
  }

  @Query(() => [QuoteType], {
    nullable: 'items',
    description: 'Quotes of up to 100 symbols, in the order asked; null where a symbol is unknown.',
  })
  @Extensions({ cost: 1, multiplier: 'symbols', bounds: { symbols: LIMITS.symbols } })
  quotes(
    @Arg('symbols', () => [String]) symbols: string[],
    @Ctx() ctx: Context,
  ): Promise<Array<QuoteType | null>> {
    const normalized = requireSymbols(symbols);
    return Promise.all(normalized.map((symbol) => ctx.loaders.quote.load(symbol)));
  }

  @FieldResolver(() => Boolean, {
    description:
      "True when the caller's plan delays quotes (FREE: 15 minutes): the quote as it was then, or the last close when the gateway holds none from then.",
  })
  delayed(@Root() quote: Quote): boolean {
    return quote.delayed ?? false;
  }
}
