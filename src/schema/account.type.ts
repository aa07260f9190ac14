import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateScalar } from './date.scalar';
import { UserType } from './user.type';

@ObjectType('AuthPayload', { description: 'A signed-in session.' })
export class AuthPayloadType {
  @Field({ description: 'Bearer token for the Authorization header; valid 15 minutes.' })
  accessToken!: string;

  @Field({ description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field({
    description:
      'Exchange with refreshToken for a new session; works once (rotates). Reusing a used one ends every session of this sign-in.',
  })
  refreshToken!: string;

  @Field(() => UserType)
  user!: UserType;
}

@ObjectType('ApiKey', {
  description: 'An API key. The secret is shown once, at creation; this is what remains.',
})
export class ApiKeyType {
  @Field(() => ID)
  id!: string;
  @Field()
  name!: string;
  @Field({ description: 'Display prefix, e.g. yf_live_3kQ9.' })
  prefix!: string;
  @Field({ description: 'Last four characters of the secret.' })
  lastFour!: string;
  @Field(() => [String], {
    description: 'read:market, read:portfolio, write:portfolio, read:usage.',
  })
  scopes!: string[];
  @Field(() => [String], { description: 'CIDR blocks it may be used from; empty is anywhere.' })
  allowedIps!: string[];
  @Field({ description: 'Requests must be signed (x-yf-timestamp, x-yf-signature).' })
  requireSignature!: boolean;
  @Field(() => Int, {
    nullable: true,
    description: "The key's own requests per minute, below its account's plan (null: the plan's).",
  })
  requestsPerMinute!: number | null;
  @Field(() => Int, {
    nullable: true,
    description: "The key's own requests per day, below its account's plan (null: the plan's).",
  })
  requestsPerDay!: number | null;
  @Field()
  createdAt!: Date;
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Last use, recorded at most once a minute.' })
  lastUsedAt!: Date | null;
}

@ObjectType('ApiKeySecret', {
  description: 'A new key and its secret: store the secret now, it is not shown again.',
})
export class ApiKeySecretType {
  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
  @Field()
  secret!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'For a key that requires signing: the secret its requests are signed with (HMAC-SHA256; docs/signing.md). Shown once; requests never carry it.',
  })
  signingSecret!: string | null;
}

@ObjectType('UsageDay')
export class UsageDayType {
  @Field(() => DateScalar, { description: 'UTC day.' })
  date!: string;
  @Field(() => Int)
  requests!: number;
  @Field(() => Int)
  cost!: number;
}

@ObjectType('UsageByOperation')
export class UsageByOperationType {
  @Field()
  operationName!: string;
  @Field(() => Int)
  requests!: number;
  @Field(() => Int)
  cost!: number;
}

@ObjectType('UsageByApiKey')
export class UsageByApiKeyType {
  @Field(() => ID, { nullable: true, description: 'Null for requests made with an access token.' })
  apiKeyId!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Null for access tokens, and for a key deleted after it expired (its usage stays).',
  })
  name!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Null for access tokens, and for a key deleted after it expired.',
  })
  prefix!: string | null;
  @Field(() => Int)
  requests!: number;
  @Field(() => Int)
  cost!: number;
}

@ObjectType('UsageQuota', {
  description:
    'What the limits allow and have left, read from the counters that enforce them: per account (all its keys and sessions), or a key’s own lower sub-limit.',
})
export class UsageQuotaType {
  @Field(() => Int)
  requestsPerMinute!: number;
  @Field(() => Int, { nullable: true, description: 'Null is unlimited.' })
  requestsPerDay!: number | null;
  @Field(() => Int, { description: 'Requests counted today (UTC), all keys and sessions.' })
  requestsToday!: number;
  @Field(() => Int, { nullable: true, description: 'Null is unlimited.' })
  remainingToday!: number | null;
  @Field(() => Int, {
    description: 'Requests left in the rolling minute (and today), before the burst allowance.',
  })
  remainingThisMinute!: number;
  @Field(() => Int, {
    description: 'Extra requests the burst allowance admits past the per-minute rate now.',
  })
  burstRemaining!: number;
  @Field(() => Int, { description: 'Seconds until the oldest request of the minute frees.' })
  resetSeconds!: number;
  @Field(() => Int)
  maxQueryCost!: number;
}

@ObjectType('Usage', { description: 'Metered requests of the caller’s account.' })
export class UsageType {
  @Field(() => DateScalar)
  from!: string;
  @Field(() => DateScalar)
  to!: string;
  @Field(() => Int)
  requests!: number;
  @Field(() => Int, { description: 'Sum of query costs.' })
  cost!: number;
  @Field(() => Int, { description: 'Requests answered with an error.' })
  errors!: number;
  @Field(() => [UsageDayType])
  byDay!: UsageDayType[];
  @Field(() => [UsageByOperationType])
  byOperation!: UsageByOperationType[];
  @Field(() => [UsageByApiKeyType])
  byApiKey!: UsageByApiKeyType[];
  @Field(() => UsageQuotaType)
  remaining!: UsageQuotaType;
}
