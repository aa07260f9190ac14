import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { UserType } from '../schema/user.type';

/** Root fields about the caller. */
@Resolver(() => UserType)
export class ViewerResolver {
  @Query(() => UserType, { nullable: true, description: 'The authenticated account.' })
  async me(@Ctx() ctx: Context): Promise<UserType | null> {
    return ctx.viewer ? ctx.services.users.findById(ctx.viewer.userId) : null;
  }
}
