import type { Logger } from '../../observability/logger';
import { isDatabaseUnavailable } from './unavailable';

/** Options for {@link DatabaseAvailability}. */
export interface DatabaseAvailabilityOptions {
  /** A trivial query (Database.ping). */
  ping: () => Promise<void>;
  logger: Logger;
  /** How often the database is probed while it is down. */
  probeEveryMs?: number;
}

/**
 * What this process knows of its database: `down` from the first failure that says the
 * database did not answer (see {@link isDatabaseUnavailable}) until a probe succeeds.
 * Going down is logged once at warn and coming back once at info, however many requests
 * fail meanwhile. Callers use it to skip lookups they can answer without the database
 * (a known API key) instead of waiting out the connect timeout on every request.
 */
export class DatabaseAvailability {
  private downSince: Date | null = null;
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly probeEveryMs: number;

  constructor(private readonly options: DatabaseAvailabilityOptions) {
    this.probeEveryMs = options.probeEveryMs ?? 1_000;
  }

  /** True while the database is known not to answer. */
  get down(): boolean {
    return this.downSince !== null;
  }

  /**
   * Tells of a failed database call; true when it was the database not answering (the
   * state turns down and probing starts), false for any other error (a wrong query).
   */
  report(error: unknown): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    if (this.downSince) return true;
    this.downSince = new Date();
    this.options.logger.warn(
      { err: (error as Error)?.message },
      'database unavailable: requests that need it get SERVICE_UNAVAILABLE until it answers',
    );
    this.probe = setInterval(() => void this.check(), this.probeEveryMs);
    this.probe.unref();
    return true;
  }

  private async check(): Promise<void> {
    if (this.probing || !this.downSince) return;
    this.probing = true;
    try {
      await this.options.ping();
      const downMs = Date.now() - this.downSince.getTime();
      this.stop();
      this.options.logger.info({ downMs }, 'database answers again');
    } catch {
      // Still down: the next probe tries again.
    } finally {
      this.probing = false;
    }
  }

  private stop(): void {
    this.downSince = null;
    this.close();
  }

  /** Stops probing (shutdown). */
  close(): void {
    clearInterval(this.probe ?? undefined);
    this.probe = null;
  }
}
