import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { sharedOrLocal } from './shared-state';

/**
 * Who produces each watched symbol of the quote stream: one replica per symbol across a
 * deployment. One interface with an in-process and a Redis implementation, and one
 * fallback between them ({@link producerLeases}).
 */
export interface ProducerLeases {
  /** Renews this replica's interest in symbols (it has subscribers watching them). */
  declare(symbols: readonly string[]): Promise<void>;
  /** Withdraws this replica's interest in symbols. */
  withdraw(symbols: readonly string[]): Promise<void>;
  /**
   * For a symbol this replica produces: whether it goes on (some replica is interested
   * and this one still holds the lease). `watchedHere`: subscribers of this process watch it.
   */
  keep(symbol: string, watchedHere: boolean): Promise<boolean>;
  /** For a symbol watched here that this replica does not produce: whether it now does. */
  take(symbol: string): Promise<boolean>;
  /** Gives back the leases of symbols (at stop), so another replica takes them at once. */
  giveBack(symbols: readonly string[]): Promise<void>;
}

/** One process: it produces what its own subscribers watch. */
export class LocalProducerLeases implements ProducerLeases {
  async declare(): Promise<void> {}
  async withdraw(): Promise<void> {}
  async keep(_symbol: string, watchedHere: boolean): Promise<boolean> {
    return watchedHere;
  }
  async take(): Promise<boolean> {
    return true;
  }
  async giveBack(): Promise<void> {}
}

const LEASE_MS = 5_000;
const INTEREST_MS = 5_000;

// Deletes the leases (KEYS) still held by this replica (ARGV[1]), not one taken over.
const RELEASE_LEASES = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
`;

/**
 * Across replicas: `stream:interest:<symbol>` is a sorted set of the replicas interested
 * (scored by when their interest lapses), `stream:lease:<symbol>` names the producer and
 * lapses unless renewed, so a replica gone is taken over by any interested one.
 */
export class RedisProducerLeases implements ProducerLeases {
  private readonly replicaId = randomUUID();

  constructor(private readonly redis: Redis) {}

  async declare(symbols: readonly string[]): Promise<void> {
    if (symbols.length === 0) return;
    const until = Date.now() + INTEREST_MS;
    const pipeline = this.redis.pipeline();
    for (const symbol of symbols) {
      pipeline.zadd(interestKey(symbol), until, this.replicaId);
      pipeline.pexpire(interestKey(symbol), INTEREST_MS * 2);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  async withdraw(symbols: readonly string[]): Promise<void> {
    await Promise.all(symbols.map((s) => this.redis.zrem(interestKey(s), this.replicaId)));
  }

  async keep(symbol: string, watchedHere: boolean): Promise<boolean> {
    // Not watched here: this replica's own interest is stale (a renewal that was in flight
    // when its last subscriber left), and must not keep the symbol produced for itself.
    if (!watchedHere) await this.redis.zrem(interestKey(symbol), this.replicaId);
    const interested = await this.redis.zcount(interestKey(symbol), Date.now(), '+inf');
    if (interested === 0) {
      await this.giveBack([symbol]);
      return false;
    }
    if ((await this.redis.pexpire(leaseKey(symbol), LEASE_MS)) === 1) return true;
    // Lapsed (or produced while Redis was out): hold the lease again, or hand over.
    return this.take(symbol);
  }

  async take(symbol: string): Promise<boolean> {
    return (await this.redis.set(leaseKey(symbol), this.replicaId, 'PX', LEASE_MS, 'NX')) === 'OK';
  }

  async giveBack(symbols: readonly string[]): Promise<void> {
    if (symbols.length === 0) return;
    const keys = symbols.map(leaseKey);
    await this.redis.eval(RELEASE_LEASES, keys.length, ...keys, this.replicaId);
  }
}

/**
 * Through Redis when there is one, else in this process; while Redis fails, nobody can
 * hold a lease, so each replica produces for its own subscribers until it answers again.
 */
export function producerLeases(redis: Redis | null): ProducerLeases {
  const local = new LocalProducerLeases();
  if (!redis) return local;
  const shared = new RedisProducerLeases(redis);
  return {
    declare: sharedOrLocal(shared.declare.bind(shared), local.declare.bind(local)),
    withdraw: sharedOrLocal(shared.withdraw.bind(shared), local.withdraw.bind(local)),
    keep: sharedOrLocal(shared.keep.bind(shared), local.keep.bind(local)),
    take: sharedOrLocal(shared.take.bind(shared), local.take.bind(local)),
    giveBack: sharedOrLocal(shared.giveBack.bind(shared), local.giveBack.bind(local)),
  };
}

const interestKey = (symbol: string) => `stream:interest:${symbol}`;
const leaseKey = (symbol: string) => `stream:lease:${symbol}`;
