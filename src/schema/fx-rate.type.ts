import { Field, Float, ObjectType } from 'type-graphql';
import type { FxRate } from '../domain/fx';
import { DateScalar } from './date.scalar';

/** An exchange rate of one day, whichever provider answered. */
@ObjectType('FxRate', { description: 'The exchange rate between two currencies on one day.' })
export class FxRateType implements FxRate {
  @Field(() => String, { description: 'The currency converted from (ISO 4217).' })
  from!: string;

  @Field(() => String, { description: 'The currency converted to (ISO 4217).' })
  to!: string;

  @Field(() => DateScalar, {
    description:
      "The day of the rate used: the last one on or before the day asked (Friday's at a weekend); for two currencies other than USD, the older of the two days crossed.",
  })
  date!: string;

  @Field(() => Float, {
    description:
      'Units of `to` for one unit of `from`: the daily close, crossed through USD (from→USD ÷ to→USD) when neither is USD.',
  })
  rate!: number;

  @Field(() => String, {
    description:
      'The provider that answered (simulator, fmp, alphavantage); two joined by + when the two sides came from different ones; fixed for a currency against itself.',
  })
  source!: string;
}
