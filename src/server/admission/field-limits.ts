import type {
  DocumentNode,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
} from 'graphql';
import type { FieldRateLimit, RateLimitedField } from '../../domain/field-rate-limits';
import type { RateBucket } from '../../datasources/cache/rate-limiter';
import type { RateLimitExtension } from '../../schema/rate-limit.decorator';
import { rootFieldNames } from '../analysis/root-fields';

/** Who a field's limit counts: the caller's account, or its address group. */
export interface LimitSubjects {
  /** `acct:<userId>`, or the address subject for callers without credentials. */
  account: string;
  /** `ip:<group>` */
  address: string;
}

/**
 * The buckets of the root fields an operation selects that declare a limit
 * (`@RateLimit`): one per field, `field:<Type.field>:<subject>`, over the field's own
 * window. Empty for an operation selecting none (most).
 */
export function fieldBuckets(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: Readonly<Record<RateLimitedField, FieldRateLimit>>,
  subjects: LimitSubjects,
): RateBucket[] {
  const root: GraphQLObjectType | null | undefined =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return [];
  const fields = root.getFields();
  const buckets: RateBucket[] = [];
  for (const name of rootFieldNames(document, operation)) {
    const declared = (fields[name]?.extensions as Partial<RateLimitExtension> | undefined)
      ?.rateLimit;
    if (!declared) continue;
    const limit = limits[declared];
    const who = limit.by === 'address' ? subjects.address : subjects.account;
    buckets.push({
      subject: `field:${root.name}.${name}:${who}`,
      limit: limit.max,
      windowMs: limit.windowSeconds * 1_000,
      perDay: null,
      burst: 0,
    });
  }
  return buckets;
}
