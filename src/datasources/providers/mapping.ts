import { z } from 'zod';
import { isIsoDate } from '../../domain/dates';
import type { CompanyProfile } from '../../domain/market';
import { ProviderError } from './provider-error';

/** A mapped payload, and how many of its items failed validation and were dropped. */
export interface Mapped<T> {
  value: T;
  invalid: number;
}

/**
 * Validates a whole payload against its envelope schema. A payload that is not even
 * the documented shape is a provider failure ('invalid'), not an empty answer.
 */
export function parseEnvelope<S extends z.ZodType>(
  provider: string,
  what: string,
  schema: S,
  body: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ProviderError(
    provider,
    'invalid',
    `${what}: payload does not match the documented shape (${issue.path.join('.') || 'root'}: ${issue.message})`,
  );
}

/** Maps every item that validates; the others are counted, not thrown. */
export function mapEach<S extends z.ZodType, T>(
  schema: S,
  items: readonly unknown[],
  map: (item: z.infer<S>) => T | null,
): Mapped<T[]> {
  const value: T[] = [];
  let invalid = 0;
  for (const item of items) {
    const parsed = schema.safeParse(item);
    const mapped = parsed.success ? map(parsed.data) : null;
    if (mapped === null) invalid += 1;
    else value.push(mapped);
  }
  return { value, invalid };
}

/** A finite number, or a numeric string (Alpha Vantage sends numbers as strings). */
export const numeric = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/),
  ])
  .transform(Number)
  .pipe(z.number().refine(Number.isFinite, 'must be finite'));

/** A number, or null for the provider's "missing" markers (null, "None", "-", ""). */
export const optionalNumeric = z
  .union([numeric, z.null(), z.undefined(), z.literal('None'), z.literal('-'), z.literal('')])
  .transform((value) => (typeof value === 'number' ? value : null));

/** An ISO date (YYYY-MM-DD) that exists. */
export const isoDateString = z.string().refine(isIsoDate, 'must be a real date (YYYY-MM-DD)');

/** Null for empty strings, so that "" never shows up as a company's website. */
export const optionalText = z
  .string()
  .nullish()
  .transform((value) => (value && value.trim() ? value.trim() : null));

/**
 * When a daily close is dated: 16:00 New York (21:00 UTC) of `date`. For today's
 * session, still open, that is now. A date after today stays in the future (and fails
 * the data-quality check).
 */
export function closeTimestamp(date: string, now: Date): Date {
  const close = new Date(`${date}T21:00:00Z`);
  const today = now.toISOString().slice(0, 10);
  return date === today && close.getTime() > now.getTime() ? now : close;
}

/** Percent points (2.1 for 2.1 %) as a fraction (0.021), without float noise. */
export function percentToFraction(percent: number): number {
  return Math.round(percent * 1e6) / 1e8;
}

/** A profile from what a search result carries; the rest is loaded when asked for. */
export function searchProfile(
  fields: Pick<CompanyProfile, 'symbol' | 'name'> & Partial<CompanyProfile>,
): CompanyProfile {
  return {
    exchange: '',
    currency: 'USD',
    sector: null,
    industry: null,
    country: null,
    description: null,
    website: null,
    employees: null,
    ...fields,
    symbol: fields.symbol.toUpperCase(),
  };
}
