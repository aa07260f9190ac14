import type { PrismaClient, RefreshToken } from '../../generated/prisma/client';

/** Reads and writes `refresh_tokens` and `login_attempts`. */
export class SessionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  createRefreshToken(data: {
    userId: string;
    familyId: string;
    hash: string;
    expiresAt: Date;
  }): Promise<RefreshToken> {
    return this.prisma.refreshToken.create({ data });
  }

  findRefreshToken(hash: string): Promise<RefreshToken | null> {
    return this.prisma.refreshToken.findUnique({ where: { hash } });
  }

  /**
   * Marks a token used, only if nobody used it first: two concurrent refreshes with the
   * same token cannot both succeed. True when this call won.
   */
  async markUsed(id: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.refreshToken.updateMany({
      where: { id, usedAt: null, revokedAt: null },
      data: { usedAt: at },
    });
    return count === 1;
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.prisma.refreshToken.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: at },
    });
  }

  async recordLogin(email: string, ip: string, success: boolean): Promise<void> {
    await this.prisma.loginAttempt.create({ data: { email, ip, success } });
  }

  /**
   * Failed logins since `since` for an email (counting only after its last success) or
   * an IP, and when the oldest of them happened.
   */
  async recentFailures(
    where: { email: string } | { ip: string },
    since: Date,
  ): Promise<{ count: number; oldest: Date | null }> {
    let from = since;
    if ('email' in where) {
      const success = await this.prisma.loginAttempt.findFirst({
        where: { email: where.email, success: true, createdAt: { gte: since } },
        orderBy: { createdAt: 'desc' },
      });
      if (success) from = success.createdAt;
    }
    const failures = await this.prisma.loginAttempt.aggregate({
      where: { ...where, success: false, createdAt: { gt: from } },
      _count: { _all: true },
      _min: { createdAt: true },
    });
    return { count: failures._count._all, oldest: failures._min.createdAt };
  }
}
