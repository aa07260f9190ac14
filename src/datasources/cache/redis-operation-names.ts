import type Redis from 'ioredis';
import type { NamesOfDay, SharedOperationNames } from '../../services/operation-names';

// Two days: a day's set outlives the day by at least a day (rows of 23:59 flushed late).
const TTL_MS = 2 * 86_400_000;

// KEYS[1] the subject's set of the day. ARGV: max, ttl ms, names…. A name already in the
// set, or one that fits, is kept (1); the rest are not (0). Atomic: replicas adding at
// once never make the set larger than max.
const ADMIT_SCRIPT = `
local max = tonumber(ARGV[1])
local out = {}
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then
    out[#out + 1] = 1
  elseif redis.call('SCARD', KEYS[1]) < max then
    redis.call('SADD', KEYS[1], ARGV[i])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return out
`;

type RedisWithAdmit = Redis & {
  yieldflowAdmitNames(key: string, ...args: Array<string | number>): Promise<number[]>;
};

/** Operation names kept per subject and day across replicas: a Redis set each, with a TTL. */
export class RedisOperationNames implements SharedOperationNames {
  constructor(private readonly redis: Redis) {
    if (!('yieldflowAdmitNames' in redis)) {
      redis.defineCommand('yieldflowAdmitNames', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
    }
  }

  async admit(groups: readonly NamesOfDay[], max: number): Promise<Array<Set<string>>> {
    const redis = this.redis as RedisWithAdmit;
    const answers = await Promise.all(
      groups.map((g) =>
        redis.yieldflowAdmitNames(`usage:ops:${g.subject}:${g.day}`, max, TTL_MS, ...g.names),
      ),
    );
    return answers.map((kept, i) => new Set(groups[i].names.filter((_, j) => kept[j] === 1)));
  }
}
