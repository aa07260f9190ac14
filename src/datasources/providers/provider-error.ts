/**
 * Why a provider call failed. `circuit-open` and `budget` are calls not made (the
 * circuit is open; our own upstream budget is spent); `unsupported`: the provider does
 * not offer this data (or not on this plan).
 */
export const PROVIDER_FAILURES = [
  'timeout',
  'network',
  'http',
  'throttled',
  'invalid',
  'circuit-open',
  'budget',
  'unsupported',
] as const;
export type ProviderFailure = (typeof PROVIDER_FAILURES)[number];

/** Failures of calls that were not made: counted as refused, not as attempts. */
export const REFUSALS: readonly ProviderFailure[] = ['circuit-open', 'budget'];

/**
 * A failed upstream call. The message names the provider and the path, never the
 * query string (where API keys travel).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly failure: ProviderFailure,
    message: string,
    readonly status?: number,
    /** From a 429's Retry-After, when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }
}
