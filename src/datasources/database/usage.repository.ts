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

  async insertMany(entries: UsageEntry[]): Promise<void> {
    if (entries.length > 0) await this.prisma.usageRecord.createMany({ data: entries });
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
