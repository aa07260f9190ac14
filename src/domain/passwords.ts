import { dictionary } from '@zxcvbn-ts/language-common';

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted (argon2 takes any length; this bounds the work per request). */
export const MAX_PASSWORD_LENGTH = 256;

// The 1,000 most common passwords (zxcvbn's frequency-ordered list), lower-cased.
const COMMON = new Set(
  (dictionary['passwords-common'] as string[]).slice(0, 1_000).map((p) => p.toLowerCase()),
);

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  }
  if (COMMON.has(password.toLowerCase())) return 'is one of the most common passwords';
  return null;
}

/** Trims and lower-cases an email; null when it is not one. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  return email;
}
