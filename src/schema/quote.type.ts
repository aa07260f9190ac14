import { Field, Float, ObjectType } from 'type-graphql';
import type { Quote } from '../domain/market';

/** A latest price, as the gateway serves it whichever provider answered. */
@ObjectType('Quote', { description: 'The latest price of a symbol.' })
export class QuoteType implements Omit<Quote, 'marketCap' | 'delayed'> {
  @Field({ description: 'Ticker symbol, upper-case.' })
  symbol!: string;

  @Field(() => Float, { description: 'Last traded price.' })
  price!: number;

  @Field(() => Float, { description: 'price − previousClose.' })
  change!: number;

  @Field(() => Float, { description: 'change / previousClose, as a fraction (0.012 is 1.2 %).' })
  changePercent!: number;

  @Field(() => Float, { description: "Today's opening price." })
  open!: number;

  @Field(() => Float, { description: "Today's high so far." })
  high!: number;

  @Field(() => Float, { description: "Today's low so far." })
  low!: number;

  @Field(() => Float, { description: 'Close of the previous session.' })
  previousClose!: number;

  @Field(() => Float, { description: 'Shares traded today (0 when the provider does not say).' })
  volume!: number;

  @Field({ description: 'When the price was observed.' })
  timestamp!: Date;

  @Field({ description: 'The provider that answered: simulator, fmp, alphavantage or finnhub.' })
  source!: string;

  @Field({
    description:
      'True when every provider failed and a cached value past its freshness is served instead.',
  })
  stale!: boolean;
}
