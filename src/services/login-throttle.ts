/** A reservation asked of a {@link LoginThrottleStore}. */
export interface ThrottleReservation {
  /** True when an attempt was reserved; false when `limit` were already reserved. */
  reserved: boolean;
  /** Milliseconds until the subject's window ends (0 when it has none). */
  resetMs: number;
}

/**
 * Login attempts reserved per subject in a fixed window that starts with its first
 * reservation. Every operation is atomic in the store, so concurrent reservations of one
 * subject never exceed the limit: Redis (one Lua script) or the database (one
 * conditional upsert), chosen once at composition.
 */
export interface LoginThrottleStore {
  /** Reserves one attempt unless `limit` are reserved in the subject's window. */
  reserve(subject: string, limit: number, windowMs: number): Promise<ThrottleReservation>;
  /** Gives one reservation back (another subject of the same attempt refused it). */
  release(subject: string): Promise<void>;
  /** Forgets the subject's reservations (a successful sign-in). */
  clear(subject: string): Promise<void>;
  /** Drops ended windows, for stores that do not expire them themselves. */
  prune?(): Promise<number>;
}
