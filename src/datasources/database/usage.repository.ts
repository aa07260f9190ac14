import type { PrismaClient } from '../../generated/prisma/client';

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
