import type { SecurityEventKind } from '../../domain/security-events';

/** What a refusal of credentials was, for its security event; never shown to the caller. */
export interface RefusalCause {
  kind: SecurityEventKind;
  apiKeyId?: string | null;
  userId?: string | null;
}

// Kept beside the error rather than on it: the error's fields and extensions are public,
// and a revoked key must read exactly like an unknown one.
const causes = new WeakMap<Error, RefusalCause>();

/** Returns `error`, remembering why it was raised. */
export function withCause<E extends Error>(error: E, cause: RefusalCause): E {
  causes.set(error, cause);
  return error;
}

/** Why a refusal was raised, when its raiser said. */
export function causeOf(error: unknown): RefusalCause | undefined {
  return error instanceof Error ? causes.get(error) : undefined;
}
