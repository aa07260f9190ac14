import { Args, Authorized, Ctx, Extensions, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';
import { FxRateArgs } from '../schema/fx-rate.args';
import { FxRateType } from '../schema/fx-rate.type';
import { fxRate } from '../services/fx-rate';

/** The root field for exchange rates; each currency of a request is loaded once. */
@Authorized('read:market')
@Resolver(() => FxRateType)
export class FxResolver {
  @Query(() => FxRateType, {
    nullable: true,
    description:
      'The exchange rate from one currency to another on a day: units of `to` per unit of `from`, at the last daily close on or before it. Null when no provider knows either currency.',
  })
  // Two series lookups at most, one quote lookup each.
  @Extensions({ cost: 2, bounds: { from: LIMITS.currency, to: LIMITS.currency } })
  fxRate(
    @Args(() => FxRateArgs) args: FxRateArgs,
    @Ctx() ctx: Context,
  ): Promise<FxRateType | null> {
    return fxRate(args, {
      series: (currency) => ctx.loaders.fx.load(currency),
      window: ctx.marketData.historyWindow(),
    });
  }
}
