import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PlanLimits, PlanName } from '../domain/plans';

/** GraphQL enum of plan names. */
export enum PlanNameEnum {
  FREE = 'FREE',
  BASIC = 'BASIC',
  PRO = 'PRO',
  ENTERPRISE = 'ENTERPRISE',
}
registerEnumType(PlanNameEnum, { name: 'PlanName', description: 'A subscription plan.' });

/** A plan and its limits. */
@ObjectType('Plan', { description: 'A plan and the limits it grants.' })
export class PlanType implements PlanLimits {
  @Field(() => PlanNameEnum)
  name!: PlanName;

  @Field(() => Int, {
    description:
      'Requests allowed per rolling minute, for the whole account (all its keys and sessions).',
  })
  requestsPerMinute!: number;

  @Field(() => Int, {
    description:
      'Extra requests a minute may take past requestsPerMinute, from an allowance of this many that refills evenly over an hour.',
  })
  burst!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Requests allowed per UTC day; null is unlimited.',
  })
  requestsPerDay!: number | null;

  @Field(() => Int, { description: 'Largest query cost accepted in one operation.' })
  maxQueryCost!: number;

  @Field(() => Int, { description: 'Concurrent WebSocket connections.' })
  websocketConnections!: number;

  @Field(() => Int, { description: 'Symbols subscribed at once across connections.' })
  symbolsSubscribed!: number;

  @Field(() => Int, { description: 'Minutes by which quotes are delayed; 0 is real time.' })
  quoteDelayMinutes!: number;

  @Field(() => Int, { description: 'Longest price-history range one request may ask, in days.' })
  historyDays!: number;

  @Field(() => Int, {
    description:
      'The account\'s share of the providers\' budgets: cache misses sent upstream per minute (a batch of symbols is one). Past it such lookups answer RATE_LIMITED with extensions.budget "upstreamLookups"; cached data still answers.',
  })
  upstreamLookupsPerMinute!: number;
}
