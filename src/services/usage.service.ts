import type { RateDecision } from '../datasources/cache/rate-limiter';
import {
  MAX_COLUMN,
  type UsageEntry,
  type UsageRepository,
} from '../datasources/database/usage.repository';
import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import type { PlanLimits } from '../domain/plans';
import type { Viewer } from '../domain/viewer';
import { BadUserInputError } from '../errors/errors';
import type { Logger } from '../observability/logger';
import { dayStamp } from '../datasources/cache/local-rate-limits';
import {
  ANONYMOUS_OPERATION,
  MAX_OPERATION_NAMES_PER_DAY,
  OperationNames,
  OTHER_OPERATION,
  type NamesOfDay,
  type SharedOperationNames,
} from './operation-names';

const FLUSH_EVERY_MS = 1_000;
const FLUSH_AT = 500;
const MAX_BUFFERED = 100_000;
const DAY_MS = 86_400_000;

// A sum past the column's range would fail its whole batch, and with it every later
// batch it is retried in front of; a saturated count says as much and writes.
const saturating = (a: number, b = 0) => Math.min(a + b, MAX_COLUMN);

/** One request as metered: who, which operation, what it cost and how it ended. */
export interface MeteredRequest {
  operationName?: string | null;
  cost: number;
  /** `OK` or an error code (see {@link usageStatus}). */
  status: string;
  durationMs: number;
  cacheHits: number;
}

/**
 * Meters requests off the request's path. Requests are summed in memory per user, key,
 * operation, status and second (one row of `usage_records` each, with a `requests`
 * count), and the rows are written to the database in batches (every second, or at
 * 500 rows), so a key's thousands of requests a second cost one row a second, not one
 * each. `close()` writes what is left, so graceful shutdown loses nothing; a failed
 * write is retried with the next batch.
 */
export class UsageRecorder {
  private buffer = new Map<string, UsageEntry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly names = new OperationNames();
  private warned = false;
  /** The coarsest bucket the buffer was merged into since the last write (ms; 1 s none). */
  private coarsest = 1_000;
  /** Failed writes since the last that succeeded. */
  private failures = 0;
  /** A write is queued behind the one in progress, and will take the buffer. */
  private queued = false;

  /**
   * With `shared` (Redis), the operation names a key keeps each day are decided
   * across replicas when a batch is written; without, per process.
   */
  constructor(
    private readonly repository: UsageRepository,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly shared: SharedOperationNames | null = null,
  ) {}

  /**
   * Meters one request of `viewer`; the operation name defaults to `anonymous`, and
   * past a key's {@link MAX_OPERATION_NAMES_PER_DAY} names of the day it is `other`.
   */
  recordRequest(viewer: Viewer, request: MeteredRequest): void {
    const now = this.now();
    const second = Math.floor(now / 1000);
    const apiKeyId = viewer.apiKeyId ?? null;
    const operationName = this.names.nameFor(
      apiKeyId ?? viewer.userId,
      dayStamp(now),
      (request.operationName || ANONYMOUS_OPERATION).slice(0, 128),
    );
    // On every request's path: the key from its parts, no row built to make it.
    const key = keyOf(second * 1000, viewer.userId, apiKeyId, request.status, operationName);
    const row = this.buffer.get(key);
    if (row) return addInto(row, 1, request);
    this.add(key, {
      userId: viewer.userId,
      apiKeyId,
      operationName,
      requests: 1,
      cost: saturating(request.cost),
      status: request.status,
      durationMs: saturating(request.durationMs),
      cacheHits: saturating(request.cacheHits),
      createdAt: new Date(second * 1000),
    });
  }

  private add(key: string, row: UsageEntry): void {
    if (this.buffer.size >= MAX_BUFFERED) this.coarsen();
    this.buffer.set(key, row);
    // One write waits at most: while one is queued, or while the database fails (then
    // the timer retries each second), rows only accumulate.
    if (this.buffer.size >= FLUSH_AT && !this.queued && this.failures === 0) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS).unref();
  }

  /** Writes everything buffered so far (serialised with any write in progress). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = true;
    this.flushing = this.flushing.then(async () => {
      this.queued = false;
      let batch = this.buffer;
      if (batch.size === 0) return;
      this.buffer = new Map();
      try {
        batch = await this.keptAcrossReplicas(batch);
        await this.repository.insertMany([...batch.values()]);
        if (this.failures > 0) {
          this.logger.info({ rows: batch.size, failures: this.failures }, 'usage written again');
        }
        this.failures = 0;
        this.coarsest = 1_000;
      } catch (error) {
        // Once per outage: every second's retry would say the same.
        if (this.failures === 0) {
          this.logger.error(
            { err: (error as Error).message, rows: batch.size },
            'usage write failed; kept in memory and retried every second',
          );
        }
        this.failures += 1;
        // Back in front of what arrived meanwhile; a row of the same key sums into it.
        for (const [key, row] of this.buffer) {
          const earlier = batch.get(key);
          if (earlier) addInto(earlier, row.requests, row);
          else batch.set(key, row);
        }
        this.buffer = batch;
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS).unref();
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Rows waiting to be written (bounded by {@link MAX_BUFFERED}). */
  get buffered(): number {
    return this.buffer.size;
  }

  // The buffer is full (the database has not taken a write for a while): rows are merged
  // into coarser buckets, a minute, then an hour, then a day, until it is at most half
  // full. Every request stays counted, with its cost, duration and cache hits; only the
  // time within its bucket is lost, which `usage` (whole UTC days) never shows. Only if
  // whole days of distinct rows fill it are the oldest dropped.
  private coarsen(): void {
    for (const grain of COARSER) {
      const merged = new Map<string, UsageEntry>();
      for (const row of this.buffer.values()) {
        row.createdAt = new Date(Math.floor(row.createdAt.getTime() / grain.ms) * grain.ms);
        const key = rowKey(row);
        const earlier = merged.get(key);
        if (earlier) addInto(earlier, row.requests, row);
        else merged.set(key, row);
      }
      this.buffer = merged;
      if (this.coarsest < grain.ms) {
        this.coarsest = grain.ms;
        this.logger.warn(
          { rows: merged.size, per: grain.name },
          'usage buffer full (database not written): rows merged per ' + grain.name,
        );
      }
      if (merged.size <= MAX_BUFFERED / 2) return;
    }
    const drop = this.buffer.size - MAX_BUFFERED / 2;
    this.logger.error({ rows: drop }, 'usage buffer full of whole days; dropping the oldest');
    for (const key of [...this.buffer.keys()].slice(0, drop)) this.buffer.delete(key);
  }

  // Each replica kept at most the cap per key and day; the cluster's set (Redis) keeps
  // the first names from any replica, and the rest of a batch's names become `other`.
  // If Redis fails, this process' decision stands (logged once).
  private async keptAcrossReplicas(
    batch: Map<string, UsageEntry>,
  ): Promise<Map<string, UsageEntry>> {
    if (!this.shared) return batch;
    const groups = new Map<string, NamesOfDay>();
    for (const row of batch.values()) {
      if (row.operationName === OTHER_OPERATION || row.operationName === ANONYMOUS_OPERATION) {
        continue;
      }
      const subject = row.apiKeyId ?? row.userId;
      const day = row.createdAt.toISOString().slice(0, 10);
      const id = `${subject} ${day}`;
      const group = groups.get(id) ?? { subject, day, names: [] };
      if (!group.names.includes(row.operationName)) group.names.push(row.operationName);
      groups.set(id, group);
    }
    if (groups.size === 0) return batch;
    let kept: Array<Set<string>>;
    try {
      kept = await this.shared.admit([...groups.values()], MAX_OPERATION_NAMES_PER_DAY);
      this.warned = false;
    } catch (error) {
      if (!this.warned) {
        this.logger.warn(
          { err: (error as Error).message },
          'usage: Redis failed; names capped per process',
        );
        this.warned = true;
      }
      return batch;
    }
    const keptBy = new Map([...groups.keys()].map((id, i) => [id, kept[i]]));
    const renamed = new Map<string, UsageEntry>();
    for (const row of batch.values()) {
      const id = `${row.apiKeyId ?? row.userId} ${row.createdAt.toISOString().slice(0, 10)}`;
      const names = keptBy.get(id);
      // `anonymous` and `other` are never capped (they were not asked about).
      const capped =
        row.operationName !== OTHER_OPERATION && row.operationName !== ANONYMOUS_OPERATION;
      if (capped && names && !names.has(row.operationName)) row.operationName = OTHER_OPERATION;
      const key = rowKey(row);
      const earlier = renamed.get(key);
      if (earlier) addInto(earlier, row.requests, row);
      else renamed.set(key, row);
    }
    return renamed;
  }
}

/** What a buffered row sums: its bucket's start (ms), who, how it ended, which operation. */
function keyOf(
  startMs: number,
  userId: string,
  apiKeyId: string | null,
  status: string,
  operationName: string,
): string {
  return `${startMs} ${userId} ${apiKeyId} ${status} ${operationName}`;
}

/** The key of a buffered row. */
function rowKey(row: UsageEntry): string {
  return keyOf(row.createdAt.getTime(), row.userId, row.apiKeyId, row.status, row.operationName);
}

/** The buckets a full buffer is merged into, finest first. */
const COARSER = [
  { name: 'minute', ms: 60_000 },
  { name: 'hour', ms: 3_600_000 },
  { name: 'day', ms: DAY_MS },
] as const;

/** Sums `requests` more requests, with their cost, duration and cache hits, into a row. */
function addInto(
  row: UsageEntry,
  requests: number,
  more: Pick<UsageEntry, 'cost' | 'durationMs' | 'cacheHits'>,
): void {
  row.requests = saturating(row.requests, requests);
  row.cost = saturating(row.cost, more.cost);
  row.durationMs = saturating(row.durationMs, more.durationMs);
  row.cacheHits = saturating(row.cacheHits, more.cacheHits);
}

/** The status a request is metered with: `OK`, or its first error's code. */
export function usageStatus(
  errors: ReadonlyArray<{ extensions?: Record<string, unknown> }> | undefined,
): string {
  if (!errors?.length) return 'OK';
  const code = errors[0].extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** What the enforced limits have left for a viewer, spending nothing (see Admission). */
export type LimitsLeft = (viewer: Viewer) => Promise<RateDecision>;

/** The `usage` query: the viewer's own metered requests, and what its limits have left. */
export class UsageService {
  constructor(
    private readonly repository: UsageRepository,
    private readonly recorder: UsageRecorder,
    private readonly apiKeys: ApiKeyRepository,
    private readonly limitsLeft: LimitsLeft,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Usage in [from, to] (ISO dates, inclusive, UTC days; default the last 30 days, at
   * most 366), with the quota left today.
   */
  async summary(viewer: Viewer, plan: PlanLimits, from?: string | null, to?: string | null) {
    const today = this.now().toISOString().slice(0, 10);
    const end = to ?? today;
    const start =
      from ?? new Date(Date.parse(`${end}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
    if (start > end) {
      throw new BadUserInputError(`from (${start}) is after to (${end})`, { argument: 'from' });
    }
    const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS + 1;
    if (days > 366) {
      throw new BadUserInputError('usage covers at most 366 days per request', {
        argument: 'from',
        max: 366,
      });
    }
    // What was just served is in the buffer: write it first so the answer is current.
    await this.recorder.flush();
    const rangeEnd = new Date(Date.parse(`${end}T00:00:00Z`) + DAY_MS);
    const summary = await this.repository.summarize(
      viewer.userId,
      new Date(`${start}T00:00:00Z`),
      rangeEnd,
    );
    const todayStart = new Date(`${today}T00:00:00Z`);
    const todays = await this.repository.summarize(
      viewer.userId,
      todayStart,
      new Date(todayStart.getTime() + DAY_MS),
    );
    const keys = new Map((await this.apiKeys.listByUser(viewer.userId)).map((k) => [k.id, k]));
    const left = await this.limitsLeft(viewer);
    return {
      from: start,
      to: end,
      ...summary.totals,
      byDay: summary.byDay,
      byOperation: summary.byOperation,
      byApiKey: summary.byApiKey.map((row) => {
        const key = row.apiKeyId ? keys.get(row.apiKeyId) : undefined;
        return { ...row, name: key?.name ?? null, prefix: key?.prefix ?? null };
      }),
      // From the counters that decide, not from the meter: what is left is what is
      // enforced (the account's plan, or a key's lower sub-limit).
      remaining: {
        requestsPerDay: plan.requestsPerDay,
        requestsToday:
          left.dayRemaining === null || plan.requestsPerDay === null
            ? todays.totals.requests
            : Math.max(0, plan.requestsPerDay - left.dayRemaining),
        remainingToday: left.dayRemaining,
        requestsPerMinute: plan.requestsPerMinute,
        remainingThisMinute: left.remaining,
        burstRemaining: left.burstRemaining,
        resetSeconds: left.resetSeconds,
        maxQueryCost: plan.maxQueryCost,
      },
    };
  }
}
