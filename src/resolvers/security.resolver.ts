import { Arg, Authorized, Ctx, Extensions, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';
import type { SecurityEventKind } from '../domain/security-events';
import { MANAGE_ACCOUNT } from '../domain/viewer';
import { SecurityEventConnectionType, SecurityEventKindEnum } from '../schema/security-event.type';

/** Administrators' security monitoring: the events, and lifting automatic blocks. */
@Resolver()
export class SecurityResolver {
  @Query(() => SecurityEventConnectionType, {
    description:
      'Security events, newest first (administrators only; FORBIDDEN otherwise). `after` is the `endCursor` of the page before.',
  })
  @Extensions({
    multiplier: 'first',
    bounds: {
      first: LIMITS.securityEventsFirst,
      after: LIMITS.cursor,
      ip: LIMITS.address,
    },
  })
  async securityEvents(
    @Ctx() ctx: Context,
    @Arg('kind', () => SecurityEventKindEnum, { nullable: true }) kind?: SecurityEventKind | null,
    @Arg('ip', () => String, { nullable: true }) ip?: string | null,
    @Arg('since', () => Date, { nullable: true }) since?: Date | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SecurityEventConnectionType> {
    const page = await ctx.services.security.list(
      ctx.viewer ?? null,
      { kind, ip: ip?.trim(), since },
      { first, after },
    );
    return {
      nodes: page.nodes.map((row) => ({
        ...row,
        id: row.id.toString(),
        kind: row.kind as SecurityEventKind,
        detail: JSON.stringify(row.detail),
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => Boolean, {
    description:
      'Lifts the automatic block of an address and/or an API key (administrators only, with a session or manage:account); true when one was in force.',
  })
  @Extensions({ bounds: { ip: LIMITS.address, apiKeyId: LIMITS.apiKeyId } })
  unblock(
    @Ctx() ctx: Context,
    @Arg('ip', () => String, { nullable: true }) ip?: string | null,
    @Arg('apiKeyId', () => ID, { nullable: true }) apiKeyId?: string | null,
  ): Promise<boolean> {
    return ctx.services.security.unblock(ctx.viewer ?? null, {
      ip: ip?.trim(),
      apiKeyId: apiKeyId?.trim(),
    });
  }
}
