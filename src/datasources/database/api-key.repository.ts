import type { PrismaClient } from '../../generated/prisma/client';
import type { ApiKey, User } from '../../generated/prisma/client';

/** An API key row with its owner. */
export type ApiKeyWithUser = ApiKey & { user: User };

/** Fields stored for a new key: never the secret itself. */
export interface NewApiKey {
  userId: string;
  name: string;
  hash: string;
  prefix: string;
  lastFour: string;
  scopes: string[];
  expiresAt?: Date | null;
}

/** Reads and writes `api_keys`. */
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The key with this hash and its owner, or null. */
  findByHash(hash: string): Promise<ApiKeyWithUser | null> {
    return this.prisma.apiKey.findUnique({ where: { hash }, include: { user: true } });
  }

  create(key: NewApiKey): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data: key });
  }

  /** Records use; callers throttle how often. */
  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }
}
