/**
 * A limit a field declares for itself, on top of the plan's: at most `max` operations
 * selecting it in any rolling `windowSeconds`, counted per account (per address for
 * callers without credentials), or always per address with `by: 'address'`.
 */
export interface FieldRateLimit {
  max: number;
  windowSeconds: number;
  by?: 'account' | 'address';
}

/**
 * The root fields that declare their own limits, and the defaults (an operator can
 * change them with FIELD_RATE_LIMITS). Sign-up and sign-in are counted per address
 * whoever asks: they are what a flood from one address aims at.
 */
export const FIELD_RATE_LIMITS = {
  register: { max: 20, windowSeconds: 3_600, by: 'address' },
  login: { max: 30, windowSeconds: 60, by: 'address' },
  refreshToken: { max: 60, windowSeconds: 60, by: 'address' },
  changePassword: { max: 10, windowSeconds: 3_600 },
  importTransactions: { max: 10, windowSeconds: 60 },
  searchCompanies: { max: 120, windowSeconds: 60 },
  // Each sync is three calls to the broker, whose own limits are per app.
  syncBroker: { max: 10, windowSeconds: 60 },
} as const satisfies Record<string, FieldRateLimit>;

/** A field whose limit is declared in {@link FIELD_RATE_LIMITS}. */
export type RateLimitedField = keyof typeof FIELD_RATE_LIMITS;
