import type { Mapped } from './mapping';
import type { DataKind, HttpProviderOptions } from './provider';
import { ProviderError } from './provider-error';

/**
 * What the HTTP providers share: building URLs with the key, fetching through the
 * HttpClient (timeout, retries, breaker, budget) and reporting dropped items.
 */
export abstract class HttpProvider {
  abstract readonly name: string;
  /** The query parameter that carries the API key. */
  protected abstract readonly keyParam: string;

  constructor(protected readonly options: HttpProviderOptions) {}

  /** Available unless its circuit is open after repeated failures. */
  isAvailable(): boolean {
    return this.options.http.breaker.state !== 'open';
  }

  protected now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** GETs `path` under the base URL with `params` and the key. */
  protected get(
    path: string,
    params: Record<string, string | number>,
    check?: (body: unknown) => void,
  ): Promise<unknown> {
    const url = new URL(`${this.options.baseUrl}${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    url.searchParams.set(this.keyParam, this.options.apiKey);
    return this.options.http.getJson(url, check);
  }

  /** The mapped value, after reporting how many items were dropped as invalid. */
  protected take<T>(kind: DataKind, mapped: Mapped<T>): T {
    if (mapped.invalid > 0) this.options.onInvalid?.(kind, mapped.invalid);
    return mapped.value;
  }

  protected unsupported(what: string): never {
    throw new ProviderError(this.name, 'unsupported', `${what} is not offered`);
  }
}

/** Keeps the answers for the symbols asked (a provider may answer others, or twice). */
export function bySymbol<T extends { symbol: string }>(
  items: readonly T[],
  asked: readonly string[],
): Map<string, T> {
  const wanted = new Set(asked);
  const result = new Map<string, T>();
  for (const item of items) if (wanted.has(item.symbol)) result.set(item.symbol, item);
  return result;
}
