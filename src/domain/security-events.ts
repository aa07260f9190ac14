/** What a security event records (docs/security.md says what each means). */
export const SECURITY_EVENT_KINDS = [
  'LOGIN_FAILED',
  'KEY_REFUSED',
  'KEY_REVOKED_USED',
  'IP_NOT_ALLOWED',
  'BAD_SIGNATURE',
  'REFRESH_TOKEN_REUSED',
  'RATE_LIMIT_STORM',
  'DOCUMENT_REFUSED',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** A rule of automatic blocks: `threshold` events of `kinds` within `windowMs` block for `blockMs`. */
export interface BlockRule {
  kinds: readonly SecurityEventKind[];
  threshold: number;
  windowMs: number;
  blockMs: number;
  /** Why the subject is blocked, as the refusal says. */
  reason: string;
}

/** An address: 20 failed sign-ins or refused keys in 5 minutes block it 15 minutes. */
export const ADDRESS_BLOCK: BlockRule = {
  kinds: ['LOGIN_FAILED', 'KEY_REFUSED'],
  threshold: 20,
  windowMs: 5 * 60_000,
  blockMs: 15 * 60_000,
  reason: '20 failed sign-ins or refused API keys within 5 minutes',
};

/** A key: 10 bad signatures or allow-list misses in 5 minutes block it 15 minutes. */
export const KEY_BLOCK: BlockRule = {
  kinds: ['BAD_SIGNATURE', 'IP_NOT_ALLOWED'],
  threshold: 10,
  windowMs: 5 * 60_000,
  blockMs: 15 * 60_000,
  reason: '10 bad signatures or uses from outside its allow-list within 5 minutes',
};

/** A rate-limit storm: this many refusals of one subject within one minute (one event per minute). */
export const STORM = { refusals: 20, windowMs: 60_000 };
