import type { RetentionSettings } from '../config/retention.schema';
import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import type { SecurityEventRepository } from '../datasources/database/security-event.repository';
import type { SessionRepository } from '../datasources/database/session.repository';
import type { UsageGrain, UsageRepository } from '../datasources/database/usage.repository';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { LoginThrottleStore } from './login-throttle';

const DAY_MS = 86_400_000;
const GRAIN_MS: Record<UsageGrain, number> = { hour: 3_600_000, day: DAY_MS };

/** The stores the job keeps bounded. */
export interface RetentionStores {
  /** Login attempts and refresh tokens. */
  sessions: Pick<SessionRepository, 'pruneLoginAttempts' | 'pruneRefreshTokens'>;
  apiKeys: Pick<ApiKeyRepository, 'pruneExpired'>;
  usage: Pick<UsageRepository, 'rollUp'>;
  securityEvents: Pick<SecurityEventRepository, 'prune'>;
  /** Login-throttle windows, when their store does not expire them itself (no Redis). */
  loginThrottle?: Pick<LoginThrottleStore, 'prune'>;
}

/** What one step of a run did. */
export interface RetentionOutcome {
  table: string;
  /** `pruned`: rows deleted; `rolled_up`: rows merged into `written` hourly or daily rows. */
  action: 'pruned' | 'rolled_up';
  rows: number;
  /** Of a roll-up: its buckets, and the rows written. */
  grain?: UsageGrain;
  written?: number;
  /** The roll-up was left to another replica's run, which held the lock. */
  skipped?: boolean;
}

/** What a run did: each step's outcome, and the steps that failed (logged). */
export interface RetentionReport {
  outcomes: RetentionOutcome[];
  failed: string[];
}

interface Step {
  name: string;
  run(now: Date): Promise<RetentionOutcome>;
}

/** `at` rounded down to the start of its UTC hour or day. */
export const bucketStart = (at: number, grain: UsageGrain) =>
  new Date(Math.floor(at / GRAIN_MS[grain]) * GRAIN_MS[grain]);

/**
 * Keeps the tables that grow with traffic bounded: deletes login attempts, refresh
 * tokens, expired API keys, security events and ended login-throttle windows past their
 * horizons, and merges usage rows into one per UTC hour, then per UTC day, so that usage
 * storage grows with keys and time, not with requests, while every total of the `usage`
 * query stays the same (its periods are whole UTC days). Runs in the server every
 * interval (RETENTION_ENABLED) and once from `npm run retention`; safe on several
 * replicas at once (deletes are idempotent, the roll-up takes a lock).
 */
export class RetentionJob {
  private readonly steps: Step[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionReport> | undefined;

  constructor(
    private readonly deps: {
      stores: RetentionStores;
      settings: RetentionSettings;
      logger: Logger;
      metrics?: Metrics;
      now?: () => Date;
    },
  ) {
    const { stores, settings } = deps;
    const ago = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
    const prune = (table: string, run: (now: Date) => Promise<number>): Step => ({
      name: table,
      run: async (now) => ({ table, action: 'pruned', rows: await run(now) }),
    });
    this.steps = [
      prune('login_attempts', (now) =>
        stores.sessions.pruneLoginAttempts(ago(now, settings.loginAttemptDays)),
      ),
      prune('refresh_tokens', (now) =>
        stores.sessions.pruneRefreshTokens(ago(now, settings.refreshTokenGraceDays)),
      ),
      prune('api_keys', (now) =>
        stores.apiKeys.pruneExpired(ago(now, settings.expiredKeyGraceDays)),
      ),
      prune('security_events', (now) =>
        stores.securityEvents.prune(ago(now, settings.securityEventDays)),
      ),
      ...(stores.loginThrottle?.prune
        ? [prune('login_throttles', () => stores.loginThrottle!.prune!())]
        : []),
      // Daily first: the hourly range then starts where the daily one ends.
      this.rollUp('day', (now) => [null, ago(now, settings.usageDailyAfterDays)]),
      this.rollUp('hour', (now) => [
        ago(now, settings.usageDailyAfterDays),
        ago(now, settings.usageHourlyAfterDays),
      ]),
    ];
  }

  // Both ends are bucket starts, so a bucket is merged whole or not at all. The hourly
  // range starts at a day's start, which is an hour's too.
  private rollUp(grain: UsageGrain, range: (now: Date) => [Date | null, Date]): Step {
    return {
      name: `usage_records (${grain})`,
      run: async (now) => {
        const [from, before] = range(now);
        const result = await this.deps.stores.usage.rollUp(
          grain,
          from && bucketStart(from.getTime(), 'day'),
          bucketStart(before.getTime(), grain),
        );
        return {
          table: 'usage_records',
          action: 'rolled_up',
          grain,
          rows: result?.merged ?? 0,
          written: result?.written ?? 0,
          ...(result ? {} : { skipped: true }),
        };
      },
    };
  }

  /**
   * Runs every step once; a failed step is logged and reported, and the others still
   * run. A run asked for while one is in progress here shares it.
   */
  run(): Promise<RetentionReport> {
    this.running ??= this.runSteps().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSteps(): Promise<RetentionReport> {
    const now = this.deps.now?.() ?? new Date();
    const report: RetentionReport = { outcomes: [], failed: [] };
    for (const step of this.steps) {
      try {
        const outcome = await step.run(now);
        report.outcomes.push(outcome);
        this.deps.metrics?.retentionRows.inc(
          { table: outcome.table, action: outcome.action },
          outcome.rows,
        );
      } catch (error) {
        report.failed.push(step.name);
        this.deps.logger.warn(
          { err: (error as Error).message, step: step.name },
          'retention step failed',
        );
      }
    }
    this.deps.metrics?.retentionRuns.inc({ outcome: report.failed.length ? 'failed' : 'ok' });
    const touched = report.outcomes.filter((o) => o.rows > 0 || o.skipped);
    if (touched.length > 0) this.deps.logger.info({ outcomes: touched }, 'retention run');
    return report;
  }

  /** Runs now and every interval (unref'd), when the settings enable it. */
  start(): void {
    if (!this.deps.settings.enabled || this.timer) return;
    const run = () => void this.run();
    run();
    this.timer = setInterval(run, this.deps.settings.intervalMs).unref();
  }

  /** Stops the schedule and waits for a run in progress (before the database closes). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
