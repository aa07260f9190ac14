import type Redis from 'ioredis';
import { MemoryBlockStore } from './memory-block-store';
import { sharedOrLocal } from './shared-state';
import type { Block, BlockCount, BlockStore } from '../../services/security/block-store';

// KEYS count, block; ARGV windowMs, threshold, blockMs, reason. Counts in a fixed window
// that starts with its first event; the threshold-th sets the block. Returns {reason, ms
// left} of the block in force, or nil.
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
end
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then return {redis.call('GET', KEYS[2]), ttl} end
return nil
`;

// KEYS blocks. Returns {index (1-based), reason, ms left} of the first in force, or nil.
const BLOCKED_SCRIPT = `
for i = 1, #KEYS do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > 0 then return {i, redis.call('GET', KEYS[i]), ttl} end
end
return nil
`;

type RedisWithBlocks = Redis & {
  yieldflowSecurityCount(
    countKey: string,
    blockKey: string,
    ...args: Array<string | number>
  ): Promise<[string, number] | null>;
  yieldflowSecurityBlocked(
    keyCount: number,
    ...keys: string[]
  ): Promise<[number, string, number] | null>;
};

/** Security-event counts and blocks in Redis: a block made on one replica holds on all. */
export class RedisBlockStore implements BlockStore {
  private readonly redis: RedisWithBlocks;

  constructor(redis: Redis) {
    if (!('yieldflowSecurityCount' in redis)) {
      redis.defineCommand('yieldflowSecurityCount', { numberOfKeys: 2, lua: COUNT_SCRIPT });
      redis.defineCommand('yieldflowSecurityBlocked', { lua: BLOCKED_SCRIPT });
    }
    this.redis = redis as RedisWithBlocks;
  }

  async count(subject: string, rule: BlockCount): Promise<Block | null> {
    const found = await this.redis.yieldflowSecurityCount(
      countKey(subject),
      blockKey(subject),
      rule.windowMs,
      rule.threshold,
      rule.blockMs,
      rule.reason,
    );
    return found ? block(subject, found[0], found[1]) : null;
  }

  async blocked(subjects: readonly string[]): Promise<Block | null> {
    if (subjects.length === 0) return null;
    const found = await this.redis.yieldflowSecurityBlocked(
      subjects.length,
      ...subjects.map(blockKey),
    );
    return found ? block(subjects[found[0] - 1], found[1], found[2]) : null;
  }

  async unblock(subject: string): Promise<boolean> {
    const [removed] = await Promise.all([
      this.redis.del(blockKey(subject)),
      this.redis.del(countKey(subject)),
    ]);
    return removed > 0;
  }
}

const countKey = (subject: string) => `security:count:${subject}`;
const blockKey = (subject: string) => `security:block:${subject}`;
const block = (subject: string, reason: string, ms: number): Block => ({
  subject,
  reason,
  retryAfterSeconds: Math.max(1, Math.ceil(ms / 1_000)),
});

/**
 * Security-event counts and blocks across replicas through Redis, and in this process
 * while Redis fails: abuse is still counted and blocked (per replica) instead of going
 * unscreened. Blocks set in Redis before the outage are not seen during it.
 */
export class SharedBlockStore implements BlockStore {
  readonly count: BlockStore['count'];
  readonly blocked: (subjects: readonly string[]) => Promise<Block | null>;
  readonly unblock: BlockStore['unblock'];

  constructor(redis: Redis, local = new MemoryBlockStore()) {
    const shared = new RedisBlockStore(redis);
    this.count = sharedOrLocal(shared.count.bind(shared), local.count.bind(local));
    this.blocked = sharedOrLocal(
      async (subjects: readonly string[]) => shared.blocked(subjects),
      async (subjects: readonly string[]) => local.blocked(subjects),
    );
    // Lifted in both: a block may have been set in either.
    this.unblock = async (subject) => {
      const [inRedis, here] = await Promise.all([
        shared.unblock(subject).catch(() => false),
        local.unblock(subject),
      ]);
      return inRedis || here;
    };
  }
}
