/** Options for {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long the circuit stays open before one half-open probe is let through. */
  openMs?: number;
  now?: () => number;
}

/**
 * Closed: calls flow. After `failureThreshold` consecutive failures it opens and
 * refuses calls for `openMs`; then exactly one probe is let through (half-open):
 * its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probing = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.openMs = options.openMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** `closed`, `open`, or `half-open` (the open period is over; the next call probes). */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** True when a call may go ahead now; a half-open circuit admits one caller. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Gives back an acquired call that never reached the upstream (no outcome to record). */
  release(): void {
    this.probing = false;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.probing = false;
  }

  onFailure(): void {
    this.failures += 1;
    if (this.probing || this.failures >= this.threshold) this.openedAt = this.now();
    this.probing = false;
  }
}
