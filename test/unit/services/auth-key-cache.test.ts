import pino from 'pino';
import type {
  ApiKeyRepository,
  ApiKeyWithUser,
} from '../../../src/datasources/database/api-key.repository';
import type { UserRepository } from '../../../src/datasources/database/user.repository';
import { hashApiKey } from '../../../src/domain/api-key-secret';
import { AuthService } from '../../../src/services/auth.service';
import { InvalidationBus } from '../../../src/services/invalidation-bus';

const logger = pino({ level: 'silent' });
const SECRET = `yf_live_${'k'.repeat(40)}`;

/** A key repository whose reads wait until released, answering the row as it is then. */
function slowKeys() {
  const row = {
    id: 'key-1',
    userId: 'user-1',
    hash: hashApiKey(SECRET),
    scopes: ['read:market'],
    expiresAt: null,
    revokedAt: null as Date | null,
    allowedIps: [],
    requireSignature: false,
    user: { id: 'user-1', email: 'a@example.com', plan: 'PRO', role: 'USER' },
  };
  const waiting: Array<() => void> = [];
  let reads = 0;
  const repository = {
    // The row is read when the lookup starts; its answer arrives when released.
    findByHash: async () => {
      reads += 1;
      const seen = { ...row } as unknown as ApiKeyWithUser;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return seen;
    },
    touch: async () => undefined,
  } as unknown as ApiKeyRepository;
  return {
    row,
    repository,
    reads: () => reads,
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
    pending: () => waiting.length,
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('AuthService key cache and revocation', () => {
  it('does not keep a key that was revoked while it was being loaded', async () => {
    const keys = slowKeys();
    const bus = new InvalidationBus(null, 'yf:', logger);
    const auth = new AuthService({
      apiKeys: keys.repository,
      users: {} as UserRepository,
      tokens: { secret: 'x'.repeat(32), issuer: 'yieldflow', audience: 'yieldflow-api' },
      bus,
      replayGuard: { firstSeen: async () => true, remembers: async () => false },
      logger,
    });
    await bus.start();
    // A request starts the lookup; the key is revoked (and announced) while it is out.
    const first = auth.authenticate({ apiKey: SECRET });
    await settle();
    expect(keys.pending()).toBe(1);
    keys.row.revokedAt = new Date();
    await auth.invalidateKey(keys.row.hash, keys.row.id);
    // A request after the revocation does not join the stale lookup: it reads again.
    const second = auth.authenticate({ apiKey: SECRET }).catch((error: Error) => error);
    await settle();
    expect(keys.reads()).toBe(2);
    keys.release();
    // The first read the row before the revocation (concurrent with it)...
    await expect(first).resolves.toMatchObject({ apiKeyId: 'key-1' });
    // ...the second read it after: refused, and what the cache keeps is the revoked row,
    // not the one read before the revocation.
    expect(await second).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(
      await auth.authenticate({ apiKey: SECRET }).catch((error: Error) => error),
    ).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(keys.reads()).toBe(2);
    await bus.stop();
  });
});
