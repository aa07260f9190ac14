import { Prisma, type PrismaClient } from '../../generated/prisma/client';

/** The largest value of the usage table's integer columns. */
export const MAX_COLUMN = 2_147_483_647;

const DAY_MS = 86_400_000;

/** The buckets of a roll-up: UTC hours or UTC days, the `usage` query's days whole. */
export type UsageGrain = 'hour' | 'day';

/** What a roll-up did: rows merged away, and the rows written in their place. */
export interface RollUpResult {
  merged: number;
  written: number;
}

/**
 * The advisory lock every replica's roll-up takes (transaction-scoped): a run that
 * finds it held skips instead of waiting.
 */
export const ROLL_UP_LOCK_KEY = 7_946_190_001;
const ROLL_UP_LOCK = Prisma.raw(String(ROLL_UP_LOCK_KEY));

/**
 * The metered requests of one user, key, operation and status in one second (a row of
 * `usage_records`); cost, duration and cache hits are their sums.
 */
export interface UsageEntry {
  userId: string;
  apiKeyId: string | null;
  operationName: string;
  requests: number;
  cost: number;
  status: string;
  durationMs: number;
  cacheHits: number;
  createdAt: Date;
}

export interface UsageTotals {
  requests: number;
  cost: number;
  errors: number;
}

/** Reads and writes `usage_records`. */
export class UsageRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Writes a batch in one INSERT … SELECT FROM unnest(arrays): Prisma's createMany
   * builds and compiles a statement per batch on the event loop, which at thousands of
   * requests a second costs the gateway more than answering them.
   */
  async insertMany(entries: UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <K extends keyof UsageEntry>(key: K) => entries.map((e) => e[key]);
    await this.prisma.$executeRaw`
      INSERT INTO usage_records (user_id, api_key_id, operation_name, requests, cost, status, duration_ms, cache_hits, created_at)
      SELECT * FROM unnest(
        ${column('userId')}::uuid[],
        ${column('apiKeyId')}::uuid[],
        ${column('operationName')}::text[],
        ${column('requests')}::int[],
        ${column('cost')}::int[],
        ${column('status')}::text[],
        ${column('durationMs')}::int[],
        ${column('cacheHits')}::int[],
        ${column('createdAt')}::timestamptz[]
      )`;
  }

  /**
   * Merges the rows created in [from, before) into one per user, key, operation, status
   * and `grain` bucket (at the bucket's start, with the summed requests, cost, duration
   * and cache hits), one UTC day per statement, each under a transaction-scoped advisory lock: every
   * row is deleted by the statement that writes its sum, so a concurrent run cannot
   * count it twice and rows written meanwhile are left as they are (the next run merges
   * them). Buckets already one row at their start are not touched (a second run changes
   * nothing), nor buckets whose sums would pass an integer column. Null when another
   * run holds the lock.
   */
  async rollUp(grain: UsageGrain, from: Date | null, before: Date): Promise<RollUpResult | null> {
    // One UTC day per statement and per transaction: each stays far inside the request
    // path's statement timeout however long the history, and a run that stops part-way
    // keeps the days it finished. A day is whole hours and one whole day bucket.
    const start =
      from ??
      (
        await this.prisma.$queryRaw<Array<{ oldest: Date | null }>>`
          SELECT min(created_at) AS oldest FROM usage_records WHERE created_at < ${before}`
      )[0].oldest;
    const total: RollUpResult = { merged: 0, written: 0 };
    if (!start) return total;
    let day = Math.floor(start.getTime() / DAY_MS) * DAY_MS;
    while (day < before.getTime()) {
      const next = new Date(Math.min(day + DAY_MS, before.getTime()));
      const done = await this.rollUpRange(grain, new Date(day), next);
      if (!done) return null;
      total.merged += done.merged;
      total.written += done.written;
      day = next.getTime();
    }
    return total;
  }

  private async rollUpRange(
    grain: UsageGrain,
    from: Date,
    before: Date,
  ): Promise<RollUpResult | null> {
    const range = Prisma.sql`created_at >= ${from} AND created_at < ${before}`;
    const bucket = Prisma.sql`date_trunc(${grain}, created_at, 'UTC')`;
    // Rows are picked by id from one scan of the range (a window per group), not by
    // joining groups back to rows, whose plan on fresh statistics can be a nested loop.
    const sum = (column: Prisma.Sql) => Prisma.sql`sum(${column}) OVER g <= ${MAX_COLUMN}`;
    return this.prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`
          SELECT pg_try_advisory_xact_lock(${ROLL_UP_LOCK}) AS locked`;
        if (!lock.locked) return null;
        const [done] = await tx.$queryRaw<Array<{ merged: bigint; written: bigint }>>`
          WITH picked AS (
            SELECT id, (count(*) OVER g > 1 OR min(created_at) OVER g <> ${bucket})
                       AND ${sum(Prisma.sql`requests`)} AND ${sum(Prisma.sql`cost`)}
                       AND ${sum(Prisma.sql`duration_ms`)} AND ${sum(Prisma.sql`cache_hits`)}
                       AS merge
            FROM usage_records
            WHERE ${range}
            WINDOW g AS (PARTITION BY user_id, api_key_id, operation_name, status, ${bucket})
          ), merged AS (
            DELETE FROM usage_records WHERE id IN (SELECT id FROM picked WHERE merge)
            RETURNING user_id, api_key_id, operation_name, status, ${bucket} AS bucket,
                      requests, cost, duration_ms, cache_hits
          ), written AS (
            INSERT INTO usage_records (user_id, api_key_id, operation_name, status, created_at,
                                       requests, cost, duration_ms, cache_hits)
            SELECT user_id, api_key_id, operation_name, status, bucket,
                   sum(requests), sum(cost), sum(duration_ms), sum(cache_hits)
            FROM merged GROUP BY 1, 2, 3, 4, 5
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM merged) AS merged, (SELECT count(*) FROM written) AS written`;
        return { merged: Number(done.merged), written: Number(done.written) };
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  }

  /** Totals, per UTC day, per operation and per key of one user in [from, to). */
  async summarize(userId: string, from: Date, to: Date) {
    const where = { userId, createdAt: { gte: from, lt: to } };
    const sum = { requests: true, cost: true } as const;
    const [totals, errors, byOperation, byApiKey, byDay] = await Promise.all([
      this.prisma.usageRecord.aggregate({ where, _sum: sum }),
      this.prisma.usageRecord.aggregate({
        where: { ...where, status: { not: 'OK' } },
        _sum: { requests: true },
      }),
      this.prisma.usageRecord.groupBy({ by: ['operationName'], where, _sum: sum }),
      this.prisma.usageRecord.groupBy({ by: ['apiKeyId'], where, _sum: sum }),
      this.prisma.$queryRaw<Array<{ day: string; requests: bigint; cost: bigint | null }>>`
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
               sum(requests) AS requests, sum(cost) AS cost
        FROM usage_records
        WHERE user_id = ${userId}::uuid AND created_at >= ${from} AND created_at < ${to}
        GROUP BY 1 ORDER BY 1`,
    ]);
    return {
      totals: {
        requests: totals._sum.requests ?? 0,
        cost: totals._sum.cost ?? 0,
        errors: errors._sum.requests ?? 0,
      },
      byOperation: byOperation
        .map((row) => ({
          operationName: row.operationName,
          requests: row._sum.requests ?? 0,
          cost: row._sum.cost ?? 0,
        }))
        .sort((a, b) => b.requests - a.requests),
      byApiKey: byApiKey
        .map((row) => ({
          apiKeyId: row.apiKeyId,
          requests: row._sum.requests ?? 0,
          cost: row._sum.cost ?? 0,
        }))
        .sort((a, b) => b.requests - a.requests),
      byDay: byDay.map((row) => ({
        date: row.day,
        requests: Number(row.requests),
        cost: Number(row.cost ?? 0),
      })),
    };
  }
}
