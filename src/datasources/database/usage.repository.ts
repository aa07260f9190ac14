import type { PrismaClient } from '../../generated/prisma/client';

/** One metered request. */
export interface UsageEntry {
  userId: string;
  apiKeyId: string | null;
  operationName: string;
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
      INSERT INTO usage_records (user_id, api_key_id, operation_name, cost, status, duration_ms, cache_hits, created_at)
      SELECT * FROM unnest(
        ${column('userId')}::uuid[],
        ${column('apiKeyId')}::uuid[],
        ${column('operationName')}::text[],
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
    const [totals, errors, byOperation, byApiKey, byDay] = await Promise.all([
      this.prisma.usageRecord.aggregate({ where, _count: { _all: true }, _sum: { cost: true } }),
      this.prisma.usageRecord.count({ where: { ...where, status: { not: 'OK' } } }),
      this.prisma.usageRecord.groupBy({
        by: ['operationName'],
        where,
        _count: { _all: true },
        _sum: { cost: true },
      }),
      this.prisma.usageRecord.groupBy({
        by: ['apiKeyId'],
        where,
        _count: { _all: true },
        _sum: { cost: true },
      }),
      this.prisma.$queryRaw<Array<{ day: string; requests: bigint; cost: bigint | null }>>`
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
               count(*) AS requests, sum(cost) AS cost
        FROM usage_records
        WHERE user_id = ${userId}::uuid AND created_at >= ${from} AND created_at < ${to}
        GROUP BY 1 ORDER BY 1`,
    ]);
    return {
      totals: { requests: totals._count._all, cost: totals._sum.cost ?? 0, errors },
      byOperation: byOperation
        .map((row) => ({
          operationName: row.operationName,
          requests: row._count._all,
          cost: row._sum.cost ?? 0,
        }))
        .sort((a, b) => b.requests - a.requests),
      byApiKey: byApiKey
        .map((row) => ({
          apiKeyId: row.apiKeyId,
          requests: row._count._all,
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
