import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import type { UserRepository } from '../datasources/database/user.repository';
import type { User } from '../generated/prisma/client';
import { userChangedMessage } from './auth.service';
import type { InvalidationBus } from './invalidation-bus';

/** What {@link createOrPromoteAdmin} did. */
export interface AdminOutcome {
  kind: 'created' | 'promoted';
  user: User;
  /** API keys the promotion revoked. */
  revokedKeys: number;
}

/**
 * `admin:create`'s rule: creates an ADMIN account (ENTERPRISE), or promotes the account
 * that has this email. A promoted account was self-registered, so whatever signed in to it
 * before may not be its admin: its refresh tokens and API keys are revoked, access tokens
 * issued before now are refused, and the bus tells every replica to close its sockets.
 */
export async function createOrPromoteAdmin(
  deps: { users: UserRepository; apiKeys: ApiKeyRepository; bus: InvalidationBus },
  email: string,
  passwordHash: string,
  now: Date = new Date(),
): Promise<AdminOutcome> {
  const created = await deps.users.create({
    email,
    passwordHash,
    role: 'ADMIN',
    plan: 'ENTERPRISE',
  });
  if (created) return { kind: 'created', user: created, revokedKeys: 0 };
  const existing = await deps.users.findByEmail(email);
  if (!existing) throw new Error(`no account ${email} and none could be created`);
  const user = await deps.users.resetCredentials(existing.id, { passwordHash, role: 'ADMIN' }, now);
  const revokedKeys = await deps.apiKeys.revokeAllOfUser(existing.id, now);
  await deps.bus.publish(userChangedMessage(existing.id));
  return { kind: 'promoted', user, revokedKeys };
}
