import type { PrismaClient, RefreshToken } from '../../generated/prisma/client';
import { deleteInBatches } from './batched-delete';

/** Reads and writes `refresh_tokens` and `login_attempts` (an audit of sign-ins). */
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

  /** Deletes login attempts made before `before`; how many went. */
  async pruneLoginAttempts(before: Date): Promise<number> {
    const where = { createdAt: { lt: before } };
    return deleteInBatches(
      (take) => this.prisma.loginAttempt.findMany({ where, select: { id: true }, take }),
      (ids) => this.prisma.loginAttempt.deleteMany({ where: { id: { in: ids } } }),
    );
  }

  /**
   * Deletes refresh tokens that expired, or were revoked, before `before`; how many went.
   * A used token stays until it expires: presenting it again is how a stolen token is
   * caught (its family revoked), which a deleted one could no longer tell.
   */
  async pruneRefreshTokens(before: Date): Promise<number> {
    const where = { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] };
    return deleteInBatches(
      (take) => this.prisma.refreshToken.findMany({ where, select: { id: true }, take }),
      (ids) => this.prisma.refreshToken.deleteMany({ where: { id: { in: ids } } }),
    );
  }
}
