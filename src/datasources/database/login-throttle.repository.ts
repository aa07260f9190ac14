import type { PrismaClient } from '../../generated/prisma/client';
import type { LoginThrottleStore, ThrottleReservation } from '../../services/login-throttle';

/**
 * Login reservations in `login_throttles`, for installs without Redis. A reservation is
 * one `INSERT … ON CONFLICT DO UPDATE … WHERE`: PostgreSQL (and PGlite) lock the row and
 * re-check the condition on its latest version, so concurrent reservations of a subject
 * are counted one after another and none passes the limit.
 */
export class LoginThrottleRepository implements LoginThrottleStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reserve(subject: string, limit: number, windowMs: number): Promise<ThrottleReservation> {
    const now = this.now();
    const resetAt = new Date(now.getTime() + windowMs);
    const rows = await this.prisma.$queryRaw<Array<{ reset_at: Date }>>`
      INSERT INTO login_throttles (subject, attempts, reset_at)
      VALUES (${subject}, 1, ${resetAt})
      ON CONFLICT (subject) DO UPDATE SET
        attempts = CASE WHEN login_throttles.reset_at <= ${now}
          THEN 1 ELSE login_throttles.attempts + 1 END,
        reset_at = CASE WHEN login_throttles.reset_at <= ${now}
          THEN EXCLUDED.reset_at ELSE login_throttles.reset_at END
      WHERE login_throttles.reset_at <= ${now} OR login_throttles.attempts < ${limit}
      RETURNING reset_at`;
    if (rows.length === 1) {
      return { reserved: true, resetMs: rows[0].reset_at.getTime() - now.getTime() };
    }
    const row = await this.prisma.loginThrottle.findUnique({ where: { subject } });
    return { reserved: false, resetMs: Math.max(0, (row?.resetAt.getTime() ?? 0) - now.getTime()) };
  }

  async release(subject: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE login_throttles SET attempts = attempts - 1
      WHERE subject = ${subject} AND attempts > 0`;
  }

  async clear(subject: string): Promise<void> {
    await this.prisma.loginThrottle.deleteMany({ where: { subject } });
  }

  /** Deletes the rows of ended windows (each a subject that tried and failed once). */
  async prune(): Promise<number> {
    const { count } = await this.prisma.loginThrottle.deleteMany({
      where: { resetAt: { lte: this.now() } },
    });
    return count;
  }
}
