import crypto, { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 40; // 40 base62 characters: about 238 bits of entropy.

/** `live` keys belong to real accounts, `test` keys to the seeded demo account. */
export type ApiKeyKind = 'live' | 'test';

/** A freshly issued key: the secret (shown once) and what is stored instead of it. */
export interface IssuedApiKeySecret {
  secret: string;
  hash: string;
  prefix: string;
  lastFour: string;
}

/** The pattern every key matches: `yf_live_` or `yf_test_` then 40 base62 characters. */
export const API_KEY_PATTERN = /^yf_(live|test)_[0-9A-Za-z]{40}$/;

/**
 * SHA-256 of the secret, hex. A key carries enough entropy that a fast hash is safe
 * (the same choice as GitHub's and Stripe's tokens), and it keeps lookups O(1).
 */
export function hashApiKey(secret: string): string {
  return sha256Hex(secret);
}

// crypto.hash (Node 20.12+) is the one-shot form, about 2.5 times faster than a Hash
// object per call; every request with an API key hashes it.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** SECRET_LENGTH random base62 characters. */
function randomBase62(): string {
  // Rejection sampling keeps every character equally likely.
  let body = '';
  while (body.length < SECRET_LENGTH) {
    for (const byte of randomBytes(SECRET_LENGTH)) {
      if (byte < 248 && body.length < SECRET_LENGTH) body += ALPHABET[byte % 62];
    }
  }
  return body;
}

/**
 * A key's signing secret (`yf_sign_` and 40 base62 characters): shown once, next to the
 * key, and never sent again: requests carry only signatures made with it.
 */
export function issueSigningSecret(): string {
  return `yf_sign_${randomBase62()}`;
}

/** Issues a new random key of the given kind. */
export function issueApiKeySecret(kind: ApiKeyKind): IssuedApiKeySecret {
  const secret = `yf_${kind}_${randomBase62()}`;
  return {
    secret,
    hash: hashApiKey(secret),
    prefix: secret.slice(0, 12),
    lastFour: secret.slice(-4),
  };
}
