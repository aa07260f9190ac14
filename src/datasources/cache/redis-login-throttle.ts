import type Redis from 'ioredis';
import { sharedOrLocal } from './shared-state';
import type { LoginThrottleStore, ThrottleReservation } from '../../services/login-throttle';

// KEYS[1] the subject's counter; ARGV limit, windowMs. Increments only below the limit;
// the first reservation starts the window. Returns {reserved (1/0), ms left}.
const RESERVE_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, redis.call('PTTL', KEYS[1])}
`;

// Decrements a live counter, never below zero, keeping its expiry.
const RELEASE_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return n
`;

type RedisWithThrottle = Redis & {
  yieldflowLoginReserve(key: string, limit: number, windowMs: number): Promise<[number, number]>;
  yieldflowLoginRelease(key: string): Promise<number>;
};

/** Login reservations in Redis, shared by every replica. */
export class RedisLoginThrottle implements LoginThrottleStore {
  private readonly redis: RedisWithThrottle;

  constructor(redis: Redis) {
    if (!('yieldflowLoginReserve' in redis)) {
      redis.defineCommand('yieldflowLoginReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
      redis.defineCommand('yieldflowLoginRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    this.redis = redis as RedisWithThrottle;
  }

  async reserve(subject: string, limit: number, windowMs: number): Promise<ThrottleReservation> {
    const [reserved, ttl] = await this.redis.yieldflowLoginReserve(key(subject), limit, windowMs);
    return { reserved: reserved === 1, resetMs: Math.max(0, ttl) };
  }

  async release(subject: string): Promise<void> {
    await this.redis.yieldflowLoginRelease(key(subject));
  }

  async clear(subject: string): Promise<void> {
    await this.redis.del(key(subject));
  }
}

const key = (subject: string) => `login:${subject}`;

/**
 * Login reservations in Redis, and in the database while Redis fails: both are shared
 * by every replica, so the throttle holds cluster-wide through a Redis outage instead of
 * failing sign-ins. Windows begun in the database during an outage are pruned with it.
 */
export class SharedLoginThrottle implements LoginThrottleStore {
  readonly reserve: LoginThrottleStore['reserve'];
  readonly release: LoginThrottleStore['release'];
  readonly prune: () => Promise<number>;

  constructor(
    redis: Redis,
    private readonly fallback: LoginThrottleStore & { prune(): Promise<number> },
  ) {
    const shared = new RedisLoginThrottle(redis);
    this.reserve = sharedOrLocal(shared.reserve.bind(shared), fallback.reserve.bind(fallback));
    this.release = sharedOrLocal(shared.release.bind(shared), fallback.release.bind(fallback));
    this.clear = async (subject) => {
      await Promise.all([shared.clear(subject).catch(() => undefined), fallback.clear(subject)]);
    };
    this.prune = () => fallback.prune();
  }

  /** Forgets the subject's reservations in both stores (a successful sign-in). */
  readonly clear: LoginThrottleStore['clear'];
}
