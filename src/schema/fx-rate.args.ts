import { ArgsType, Field } from 'type-graphql';
import { DateScalar } from './date.scalar';

/** The arguments of `fxRate`. */
@ArgsType()
export class FxRateArgs {
  @Field(() => String, {
    description: 'The currency converted from: an ISO 4217 code (EUR), trimmed and upper-cased.',
  })
  from!: string;

  @Field(() => String, {
    description: 'The currency converted to: an ISO 4217 code (USD), trimmed and upper-cased.',
  })
  to!: string;

  @Field(() => DateScalar, {
    nullable: true,
    description:
      'The day (today, UTC, by default); not in the future, nor before the 10 years of rates held.',
  })
  date?: string | null;
}
