import type { Plan, PrismaClient, Role, User } from '../../generated/prisma/client';

/** Reads and writes `users`. */
export class UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  /**
   * Creates the user, or returns the existing one with that email. Safe when several
   * processes seed at once: Prisma's upsert is a read then a write, so the loser of the
   * race sees a unique violation (P2002) and reads the winner's row instead.
   */
  async upsertByEmail(data: {
    email: string;
    plan: Plan;
    role?: Role;
    isDemo?: boolean;
  }): Promise<User> {
    try {
      return await this.prisma.user.upsert({
        where: { email: data.email },
        create: data,
        update: {},
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'P2002') throw error;
      return this.prisma.user.findUniqueOrThrow({ where: { email: data.email } });
    }
  }

  /** Creates an account; null when the email is taken (also under a concurrent race). */
  async create(data: {
    email: string;
    passwordHash: string;
    plan?: Plan;
    role?: Role;
  }): Promise<User | null> {
    try {
      return await this.prisma.user.create({ data });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return null;
      throw error;
    }
  }

  setPlan(id: string, plan: Plan): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { plan } });
  }

  setPasswordAndRole(id: string, passwordHash: string, role: Role): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { passwordHash, role } });
  }

  /**
   * Sets the password hash and ends every sign-in of the account: its refresh tokens are
   * revoked and access tokens issued before `at` are refused (`sessionsValidAfter`), in
   * one transaction. With `role`, also sets the role (a promotion).
   */
  async resetCredentials(
    id: string,
    data: { passwordHash: string; role?: Role },
    at: Date,
  ): Promise<User> {
    const [user] = await this.prisma.$transaction([
      this.prisma.user.update({ where: { id }, data: { ...data, sessionsValidAfter: at } }),
      this.prisma.refreshToken.updateMany({
        where: { userId: id, revokedAt: null },
        data: { revokedAt: at },
      }),
    ]);
    return user;
  }
}
