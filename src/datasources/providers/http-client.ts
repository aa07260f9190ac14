import { CircuitBreaker } from './circuit-breaker';
import { ProviderError } from './provider-error';
import { UNLIMITED, type UpstreamBudget } from './upstream-budget';

/** Options for {@link HttpClient}. */
export interface HttpClientOptions {
  /** Provider name, for errors and logs. */
  provider: string;
  /** Per-attempt timeout; 3 s by default. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 5xx and 429 only. */
  retries?: number;
  /** Base and cap of the full-jitter backoff. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Whole-call budget, retries and waits included; 3 x timeout by default. */
  budgetMs?: number;
  breaker?: CircuitBreaker;
  /** Spent once per attempt, retries included; unlimited by default. */
  budget?: UpstreamBudget;
  random?: () => number;
  /** Called after every attempt that reached the upstream, with its outcome. */
  onAttempt?: (outcome: 'ok' | ProviderError['failure']) => void;
  /** Called for every call not made: budget spent or circuit open. */
  onRefused?: (reason: 'budget' | 'circuit-open') => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds: delta-seconds or an HTTP date; null when absent or bad. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * GETs JSON from one provider with a per-attempt timeout, retries with full jitter on
 * 5xx and 429 (honouring Retry-After), a whole-call time budget and a circuit breaker.
 * 4xx other than 429 fail at once: retrying a bad request only spends quota.
 */
export class HttpClient {
  readonly breaker: CircuitBreaker;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly budgetMs: number;
  private readonly random: () => number;
  private readonly budget: UpstreamBudget;

  constructor(private readonly options: HttpClientOptions) {
    this.breaker = options.breaker ?? new CircuitBreaker();
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.retries = options.retries ?? 2;
    this.baseMs = options.backoffBaseMs ?? 100;
    this.capMs = options.backoffCapMs ?? 2_000;
    this.budgetMs = options.budgetMs ?? this.timeoutMs * 3;
    this.random = options.random ?? Math.random;
    this.budget = options.budget ?? UNLIMITED;
  }

  /**
   * The parsed JSON body of a 2xx answer; ProviderError otherwise. `check` inspects a
   * 2xx body and throws a ProviderError for bodies that are errors in disguise (Alpha
   * Vantage answers throttling with HTTP 200); a `throttled` one is retried like a 429.
   */
  async getJson(url: URL, check?: (body: unknown) => void): Promise<unknown> {
    const provider = this.options.provider;
    if (!this.breaker.tryAcquire()) {
      this.options.onRefused?.('circuit-open');
      throw new ProviderError(provider, 'circuit-open', 'circuit open after repeated failures');
    }
    const deadline = Date.now() + this.budgetMs;
    let lastError: ProviderError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      if (!(await this.budget.take())) {
        this.options.onRefused?.('budget');
        if (lastError) break;
        this.breaker.release();
        throw new ProviderError(provider, 'budget', 'upstream budget spent');
      }
      let wait: number | null = null;
      try {
        const body = await this.attempt(url, Math.min(this.timeoutMs, remaining));
        check?.(body);
        this.options.onAttempt?.('ok');
        this.breaker.onSuccess();
        return body;
      } catch (error) {
        lastError = error as ProviderError;
        this.options.onAttempt?.(lastError.failure);
        if (lastError.failure === 'unsupported') {
          // An answer, not an outage: the provider is up but does not offer this.
          this.breaker.onSuccess();
          throw lastError;
        }
        if (!this.retryable(lastError)) break;
        wait = lastError.retryAfterMs;
      }
      const backoff = wait ?? this.random() * Math.min(this.capMs, this.baseMs * 2 ** attempt);
      if (attempt === this.retries || Date.now() + backoff >= deadline) break;
      await sleep(backoff);
    }
    this.breaker.onFailure();
    throw (
      lastError ?? new ProviderError(provider, 'timeout', `no answer within ${this.budgetMs} ms`)
    );
  }

  // Only 5xx and 429, as the contract says: a timeout or a refused connection goes to
  // the next provider at once rather than spending this call's budget on the same one.
  private retryable(error: ProviderError): boolean {
    if (error.failure === 'throttled') return true;
    return error.failure === 'http' && (error.status ?? 0) >= 500;
  }

  private async attempt(url: URL, timeoutMs: number): Promise<unknown> {
    const provider = this.options.provider;
    let response: Response;
    try {
      response = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderError(
          provider,
          'timeout',
          `${url.pathname} timed out after ${timeoutMs} ms`,
        );
      }
      throw new ProviderError(provider, 'network', `${url.pathname}: ${(error as Error).message}`);
    }
    if (response.status === 429) {
      await response.body?.cancel();
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw new ProviderError(
        provider,
        'throttled',
        `${url.pathname} answered 429`,
        429,
        retryAfter,
      );
    }
    if (response.status === 402 || response.status === 403) {
      // Not on this plan: the provider is healthy, the next one should answer.
      await response.body?.cancel();
      throw new ProviderError(
        provider,
        'unsupported',
        `${url.pathname} answered ${response.status} (not on this plan)`,
        response.status,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProviderError(
        provider,
        'http',
        `${url.pathname} answered ${response.status}`,
        response.status,
      );
    }
    try {
      return await response.json();
    } catch {
      throw new ProviderError(
        provider,
        'invalid',
        `${url.pathname} answered a body that is not JSON`,
      );
    }
  }
}
