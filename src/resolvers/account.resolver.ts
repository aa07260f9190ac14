import { RateLimit } from '../schema/rate-limit.decorator';
import { Arg, Authorized, Ctx, Extensions, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import type { PlanName } from '../domain/plans';
import { isScope, MANAGE_ACCOUNT, SCOPES, type Scope } from '../domain/viewer';
import { BadUserInputError } from '../errors/errors';
import { ApiKeySecretType, ApiKeyType, AuthPayloadType, UsageType } from '../schema/account.type';
import { DateScalar } from '../schema/date.scalar';
import { PlanNameEnum } from '../schema/plan.type';
import { UserType } from '../schema/user.type';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';

function scopesOf(raw: string[] | null | undefined): Scope[] | null {
  if (!raw) return null;
  const bad = raw.filter((s) => !isScope(s));
  if (bad.length > 0) {
    throw new BadUserInputError(`Unknown scopes: ${bad.join(', ')}`, {
      argument: 'scopes',
      allowed: [...SCOPES],
    });
  }
  return raw as Scope[];
}

/** Sign-up, sign-in, sessions, API keys, plans and usage. */
@Resolver()
export class AccountResolver {
  @Mutation(() => AuthPayloadType, {
    description:
      'Creates a FREE account and signs it in. Passwords: at least 10 characters, not one of the 1,000 most common.',
  })
  @Extensions({ bounds: { email: LIMITS.email, password: LIMITS.password } })
  @RateLimit('register')
  register(@Arg('email') email: string, @Arg('password') password: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.register(email, password);
  }

  @Mutation(() => AuthPayloadType, {
    description: 'Signs in. Failed attempts are throttled per account and per address.',
  })
  @Extensions({ bounds: { email: LIMITS.email, password: LIMITS.password } })
  @RateLimit('login')
  login(@Arg('email') email: string, @Arg('password') password: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.login(email, password, ctx.ip ?? 'unknown');
  }

  @Mutation(() => AuthPayloadType, { description: 'Rotates a refresh token into a new session.' })
  @Extensions({ bounds: { refreshToken: LIMITS.refreshToken } })
  @RateLimit('refreshToken')
  refreshToken(@Arg('refreshToken') token: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.refresh(token, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description:
      'Ends your sign-in the refresh token belongs to (false if it is not yours). Access tokens already issued stay valid until they expire (15 minutes).',
  })
  @Extensions({ bounds: { refreshToken: LIMITS.refreshToken } })
  logout(@Arg('refreshToken') token: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.logout(requireViewer(ctx), token);
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => Boolean, {
    description:
      'Changes your password (needs manage:account; a wrong currentPassword is FORBIDDEN). Every sign-in of the account ends, live sockets included: sign in again. API keys keep working.',
  })
  @Extensions({ bounds: { currentPassword: LIMITS.password, newPassword: LIMITS.password } })
  @RateLimit('changePassword')
  changePassword(
    @Arg('currentPassword') currentPassword: string,
    @Arg('newPassword') newPassword: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.accounts.changePassword(requireViewer(ctx), currentPassword, newPassword);
  }

  @Authorized(MANAGE_ACCOUNT)
  @Query(() => [ApiKeyType], {
    description: 'Your API keys, newest first (never their secrets). Needs manage:account.',
  })
  apiKeys(@Ctx() ctx: Context) {
    return ctx.services.keys.list(requireViewer(ctx));
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => ApiKeySecretType, {
    description:
      'Creates a key; the secret is in the answer and nowhere else. Needs manage:account. Scopes default to read:market, read:portfolio, write:portfolio and read:usage (those you hold); manage:account only when asked for. A key minted by a key never exceeds it: scopes, allowedIps (its own when none given), expiresAt (its own when none given) and signing.',
  })
  @Extensions({
    bounds: { name: LIMITS.keyName, scopes: LIMITS.scopes, allowedIps: LIMITS.allowedIps },
  })
  createApiKey(
    @Arg('name') name: string,
    @Ctx() ctx: Context,
    @Arg('scopes', () => [String], { nullable: true }) scopes?: string[],
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt?: Date,
    @Arg('allowedIps', () => [String], { nullable: true }) allowedIps?: string[],
    @Arg('requireSignature', () => Boolean, { nullable: true }) requireSignature?: boolean,
    @Arg('requestsPerMinute', () => Int, {
      nullable: true,
      description: 'A limit of its own, below the plan: at most this many requests a minute.',
    })
    requestsPerMinute?: number,
    @Arg('requestsPerDay', () => Int, {
      nullable: true,
      description: 'A limit of its own, below the plan: at most this many requests a day.',
    })
    requestsPerDay?: number,
  ) {
    return ctx.services.keys.create(requireViewer(ctx), {
      name,
      scopes: scopesOf(scopes),
      expiresAt,
      allowedIps,
      requireSignature,
      requestsPerMinute,
      requestsPerDay,
    });
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => ApiKeyType, {
    description: 'Revokes a key of yours, on every replica within a second. Needs manage:account.',
  })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.keys.revoke(requireViewer(ctx), id);
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => ApiKeySecretType, {
    description:
      'Issues a replacement key; the old one keeps working for gracePeriodSeconds (default a day, at most 30 days). Needs manage:account; a key rotates only keys within its own terms.',
  })
  @Extensions({ bounds: { gracePeriodSeconds: LIMITS.gracePeriodSeconds } })
  rotateApiKey(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('gracePeriodSeconds', () => Int, { defaultValue: 86_400 }) gracePeriodSeconds: number,
  ) {
    return ctx.services.keys.rotate(requireViewer(ctx), id, gracePeriodSeconds);
  }

  @Authorized(MANAGE_ACCOUNT)
  @Mutation(() => UserType, {
    description:
      'Changes a plan. Needs manage:account. Admins may change any account (userId); others may move their own down. Upgrades go through billing.',
  })
  changePlan(
    @Arg('plan', () => PlanNameEnum) plan: PlanName,
    @Ctx() ctx: Context,
    @Arg('userId', () => ID, { nullable: true }) userId?: string,
  ) {
    return ctx.services.accounts.changePlan(requireViewer(ctx), plan, userId);
  }

  @Authorized('read:usage')
  @Query(() => UsageType, {
    description:
      'Your metered requests in [from, to] (UTC days, inclusive; default the last 30 days, at most 366), and the quota left.',
  })
  usage(
    @Ctx() ctx: Context,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string,
  ) {
    const viewer = requireViewer(ctx);
    return ctx.services.usage.summary(viewer, ctx.services.plans[viewer.plan], from, to);
  }
}
