/**
 * Waiting in tests: on a condition (never a fixed sleep), or, for a negative, on an
 * explicit window. A clock tests move by hand is here too, for TTLs.
 */

/** How often a condition is looked at again. */
const POLL_MS = 10;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `check` holds (it may be async), looking every 10 ms; rejects naming
 * `what` when it still does not after `ms`.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
  what = 'condition',
): Promise<void> {
  await eventually(check, Boolean, ms, what);
}

/**
 * Reads until `done` holds of what `read` answers, and resolves with that answer;
 * rejects naming `what` (with the last answer) when it still does not after `ms`.
 */
export async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  ms = 5_000,
  what = 'condition',
): Promise<T> {
  const until = performance.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > until) {
      throw new Error(`${what} not met within ${ms} ms (last: ${JSON.stringify(value)})`);
    }
    await pause(POLL_MS);
  }
}

/**
 * Lets `ms` pass, for a test that proves something does NOT happen. An absence sends no
 * signal to wait on, so a negative needs a window: keep it small (a few times the
 * latency of the thing that must not happen), and where possible start it after a
 * barrier that shows the thing would have happened by then.
 */
export function quietFor(ms: number): Promise<void> {
  return pause(ms);
}

/** A clock a test moves forward by hand. */
export interface TestClock {
  now(): Date;
  /** Moves the clock forward, e.g. past a TTL, without waiting. */
  advance(ms: number): void;
}

/**
 * A clock stopped at `frozenAt`, moving only when advanced (for a component alone); without
 * it, the wall clock plus whatever was advanced (for a running server, whose timers and
 * other parts keep to real time).
 */
export function testClock(frozenAt?: Date): TestClock {
  let offset = 0;
  const base = frozenAt ? () => frozenAt.getTime() : Date.now;
  return {
    now: () => new Date(base() + offset),
    advance: (ms) => void (offset += ms),
  };
}
