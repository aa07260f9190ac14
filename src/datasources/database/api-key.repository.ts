import type { PrismaClient } from '../../generated/prisma/client';
import type { ApiKey, User } from '../../generated/prisma/client';
import { deleteInBatches } from './batched-delete';

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
  allowedIps?: string[];
  requireSignature?: boolean;
  signingSecret?: string | null;
  requestsPerMinute?: number | null;
  requestsPerDay?: number | null;
  rotatedFromId?: string | null;
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

  /** The user's keys, newest first. */
  listByUser(userId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
  }

  /** The key if it belongs to `userId`; null otherwise (someone else's reads as absent). */
  findOwned(id: string, userId: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { id, userId } });
  }

  /** Revokes every key of the user not revoked yet; the number revoked. */
  async revokeAllOfUser(userId: string, at: Date): Promise<number> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count;
  }

  revoke(id: string, at: Date): Promise<ApiKey> {
    return this.prisma.apiKey.update({ where: { id }, data: { revokedAt: at } });
  }

  /**
   * Deletes keys that expired before `before`; how many went. Their usage rows stay
   * (`usage_records.api_key_id` has no foreign key), so totals do not change.
   */
  async pruneExpired(before: Date): Promise<number> {
    const where = { expiresAt: { lt: before } };
    return deleteInBatches(
      (take) => this.prisma.apiKey.findMany({ where, select: { id: true }, take }),
      (ids) => this.prisma.apiKey.deleteMany({ where: { id: { in: ids } } }),
    );
  }

  /** Ends a key's life at `at` (rotation's grace period), never extending it. */
  expireBy(id: string, at: Date, current: Date | null): Promise<ApiKey> {
    const expiresAt = current && current < at ? current : at;
    return this.prisma.apiKey.update({ where: { id }, data: { expiresAt } });
  }
}
