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
}
