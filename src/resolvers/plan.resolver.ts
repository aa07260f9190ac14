import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { PlanType } from '../schema/plan.type';

/** Root fields about plans. */
@Resolver(() => PlanType)
export class PlanResolver {
  @Query(() => [PlanType], { description: 'Every plan with its limits. Needs no credentials.' })
  plans(@Ctx() ctx: Context): PlanType[] {
    return Object.values(ctx.services.plans);
  }
}
