/** Why a provider call failed. */
export type ProviderFailure =
  | 'timeout'
  | 'network'
  | 'http'
  | 'throttled'
  | 'invalid'
  | 'circuit-open'
  /** Our own upstream budget is spent: no call was made. */
  | 'budget'
  /** The provider does not offer this data (or not on this plan). */
  | 'unsupported';

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
