import type Redis from 'ioredis';

/**
 * One operation on shared state: through Redis when there is one, else in this process;
 * while Redis fails (down, or stalled past its command timeout), in this process. The
 * one fallback of every piece of state that has both implementations.
 */
export function sharedOrLocal<A extends unknown[], R>(
  shared: ((...args: A) => Promise<R>) | null,
  local: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  if (!shared) return local;
  return (...args) => shared(...args).catch(() => local(...args));
}

/**
 * Removes `members` from the sorted set `key` once Redis takes the command, retrying
 * each second until `expiresAt` (when they lapse anyway). For a command that timed out:
 * a stall holds it and delivers it later, and what it added must not count.
 */
export function removeWhenAnswered(
  redis: Redis,
  key: string,
  members: string[],
  expiresAt: number,
): void {
  const attempt = () => {
    redis.zrem(key, ...members).catch(() => {
      if (Date.now() < expiresAt) setTimeout(attempt, 1_000).unref();
    });
  };
  attempt();
}
