import type { PlanName } from './plans';

/** Scopes an API key can carry. JWT sessions hold all of them. */
export const SCOPES = [
  'read:market',
  'read:portfolio',
  'write:portfolio',
  'read:usage',
  'manage:account',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Changing credentials, plans or billing: keys hold it only when asked for. */
export const MANAGE_ACCOUNT: Scope = 'manage:account';

/** What a key gets when its creator names no scopes: everything but managing the account. */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = Object.freeze(
  SCOPES.filter((scope) => scope !== MANAGE_ACCOUNT),
);

/** True for one of {@link SCOPES}. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling: resolved once per request from the API key or JWT. */
export interface Viewer {
  userId: string;
  email: string;
  plan: PlanName;
  role: 'USER' | 'ADMIN';
  /** Set when the request authenticated with an API key. */
  apiKeyId?: string;
  scopes: readonly Scope[];
  /** The key requires signed requests (x-yf-timestamp, x-yf-signature). */
  requireSignature?: boolean;
  /** When these credentials stop working (the key's expiry, the access token's exp). */
  expiresAt?: Date | null;
  /** A key's IP allow-list (CIDR blocks; empty or unset: anywhere). Keys it mints stay inside. */
  allowedIps?: readonly string[];
  /** A key's own sub-limits, below its plan's (null: the plan's alone). */
  keyLimits?: { perMinute: number | null; perDay: number | null };
}

/**
 * Whose limits a request spends: its account's, all its keys and sessions together
 * (PRODUCT.md, "Plans"): requests, WebSocket connections and symbols subscribed.
 */
export function accountSubject(viewer: Pick<Viewer, 'userId'>): string {
  return `acct:${viewer.userId}`;
}
