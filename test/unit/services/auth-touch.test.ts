import pino from 'pino';
import type {
  ApiKeyRepository,
  ApiKeyWithUser,
} from '../../../src/datasources/database/api-key.repository';
import type { UserRepository } from '../../../src/datasources/database/user.repository';
import { hashApiKey } from '../../../src/domain/api-key-secret';
import { AuthService, MAX_TOUCHED_KEYS } from '../../../src/services/auth.service';
import { InvalidationBus } from '../../../src/services/invalidation-bus';

const logger = pino({ level: 'silent' });

/** A key repository of `count` keys, recording each lastUsedAt write. */
function keysOf(count: number) {
  const byHash = new Map<string, ApiKeyWithUser>();
  const secrets: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const secret = `yf_live_${String(i).padStart(40, '0')}`;
    secrets.push(secret);
    byHash.set(hashApiKey(secret), {
      id: `key-${i}`,
      userId: 'user-1',
      name: 'k',
      hash: hashApiKey(secret),
      prefix: secret.slice(0, 12),
      lastFour: secret.slice(-4),
      scopes: ['read:market'],
      createdAt: new Date(0),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      allowedIps: [],
      requireSignature: false,
      rotatedFromId: null,
      user: { id: 'user-1', email: 'a@example.com', plan: 'PRO', role: 'USER' },
    } as unknown as ApiKeyWithUser);
  }
  const touched: string[] = [];
  const repository = {
    findByHash: async (hash: string) => byHash.get(hash) ?? null,
    touch: async (id: string) => void touched.push(id),
  } as unknown as ApiKeyRepository;
  return { repository, secrets, touched };
}

function authOf(repository: ApiKeyRepository, clock: { now: number }): AuthService {
  return new AuthService({
    apiKeys: repository,
    users: {} as UserRepository,
    tokens: { secret: 'x'.repeat(32), issuer: 'yieldflow', audience: 'yieldflow-api' },
    bus: new InvalidationBus(null, 'yf:', logger),
    replayGuard: { firstSeen: async () => true, remembers: async () => false },
    logger,
    now: () => new Date(clock.now),
  });
}

describe('AuthService lastUsedAt buffer (bounded)', () => {
  it('writes lastUsedAt once a minute per key and forgets keys past the minute', async () => {
    const clock = { now: Date.parse('2026-11-20T12:00:00Z') };
    const { repository, secrets, touched } = keysOf(200);
    const auth = authOf(repository, clock);
    for (const secret of secrets) await auth.authenticate({ apiKey: secret });
    await auth.authenticate({ apiKey: secrets[0] });
    expect(touched).toHaveLength(200);
    expect(auth.touchedKeys).toBe(200);
    clock.now += 60_000;
    await auth.authenticate({ apiKey: secrets[0] });
    expect(touched).toHaveLength(201);
    expect(auth.touchedKeys).toBe(1);
  });

  it('never remembers more than MAX_TOUCHED_KEYS keys within one minute', async () => {
    const clock = { now: Date.parse('2026-11-20T12:00:00Z') };
    const { repository, secrets } = keysOf(MAX_TOUCHED_KEYS + 500);
    const auth = authOf(repository, clock);
    for (const secret of secrets) await auth.authenticate({ apiKey: secret });
    expect(auth.touchedKeys).toBe(MAX_TOUCHED_KEYS);
  });
});
