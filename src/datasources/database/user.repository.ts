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

  /** Creates the user, or returns the existing one with that email (concurrent seeds). */
  upsertByEmail(data: { email: string; plan: Plan; role?: Role; isDemo?: boolean }): Promise<User> {
    return this.prisma.user.upsert({ where: { email: data.email }, create: data, update: {} });
  }
}
