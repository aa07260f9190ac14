import { Extensions } from 'type-graphql';
import type { RateLimitedField } from '../domain/field-rate-limits';

/** What a field with a declared limit carries in its extensions. */
export interface RateLimitExtension {
  rateLimit: RateLimitedField;
}

/**
 * Declares that a root field has its own limit (its numbers are in FIELD_RATE_LIMITS,
 * under the same name), spent by the admission service over HTTP and WebSocket alike,
 * in the same store and the same atomic step as the plan's limits.
 */
export function RateLimit(name: RateLimitedField): MethodDecorator {
  return Extensions({ rateLimit: name } satisfies RateLimitExtension);
}
