import pino from 'pino';
import { emptyLedger } from '../../../src/domain/ledger';
import type { Portfolio } from '../../../src/generated/prisma/client';
import { InvalidationBus } from '../../../src/services/invalidation-bus';
import { LedgerCache, type Ledger } from '../../../src/services/ledger-cache';
import { testClock } from '../../helpers/wait';

const ID = '00000000-0000-4000-8000-000000000001';

/** A load that counts calls and answers when told, with the version of the ledger given. */
function deferredLoads() {
  const pending: Array<(ledger: Ledger | null) => void> = [];
  const ledger = (version: number): Ledger => ({
    portfolio: { id: ID, name: `v${version}` } as Portfolio,
    rows: [],
    entries: [],
    problem: null,
    state: emptyLedger(),
  });
  return {
    calls: () => pending.length,
    load: () => new Promise<Ledger | null>((resolve) => pending.push(resolve)),
    /** Answers the n-th load with the ledger as of `version` (null: no such portfolio). */
    answer: (n: number, version: number | null) =>
      pending[n](version === null ? null : ledger(version)),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LedgerCache', () => {
  const bus = () => new InvalidationBus(null, '', pino({ level: 'silent' }));

  it('loads a portfolio once for concurrent readers, then serves it from memory', async () => {
    const loads = deferredLoads();
    const cache = new LedgerCache(loads.load, null);
    const readers = Array.from({ length: 10 }, () => cache.get(ID));
    expect(loads.calls()).toBe(1);
    loads.answer(0, 0);
    const ledgers = await Promise.all(readers);
    expect(new Set(ledgers).size).toBe(1);
    expect(await cache.get(ID)).toBe(ledgers[0]);
    expect(loads.calls()).toBe(1);
  });

  it('drops a ledger on its bus message, and only that one', async () => {
    const loads = deferredLoads();
    const events = bus();
    const cache = new LedgerCache(loads.load, events);
    const first = cache.get(ID);
    loads.answer(0, 0);
    expect((await first)!.portfolio.name).toBe('v0');
    await events.publish('portfolio:00000000-0000-4000-8000-00000000ffff');
    await events.publish('apikey:whatever');
    expect((await cache.get(ID))!.portfolio.name).toBe('v0');
    await events.publish(`portfolio:${ID}`);
    const second = cache.get(ID);
    expect(loads.calls()).toBe(2);
    loads.answer(1, 1);
    expect((await second)!.portfolio.name).toBe('v1');
  });

  it('never keeps a read that was in flight when the portfolio changed', async () => {
    const loads = deferredLoads();
    const cache = new LedgerCache(loads.load, null);
    const before = cache.get(ID);
    cache.forget(ID); // the change lands while the read is in the database
    const after = cache.get(ID); // a new reader does not join the old read
    expect(loads.calls()).toBe(2);
    loads.answer(1, 1); // the new read sees the change
    loads.answer(0, 0); // the old one answers last, with what it read before the change
    expect((await before)!.portfolio.name).toBe('v0');
    expect((await after)!.portfolio.name).toBe('v1');
    await tick();
    expect((await cache.get(ID))!.portfolio.name).toBe('v1');
    expect(loads.calls()).toBe(2);
  });

  it('does not keep a portfolio that is not there, nor a failed read', async () => {
    const loads = deferredLoads();
    const failing = new LedgerCache(() => Promise.reject(new Error('database down')), null);
    await expect(failing.get(ID)).rejects.toThrow('database down');
    const cache = new LedgerCache(loads.load, null);
    const missing = cache.get(ID);
    loads.answer(0, null);
    expect(await missing).toBeNull();
    void cache.get(ID);
    expect(loads.calls()).toBe(2);
  });

  it('reads again after the TTL, which bounds staleness while the bus is down', async () => {
    const loads = deferredLoads();
    const clock = testClock(new Date('2026-11-20T18:00:00Z'));
    const cache = new LedgerCache(loads.load, null, { ttlMs: 20, maxRows: 100, now: clock.now });
    const first = cache.get(ID);
    loads.answer(0, 0);
    await first;
    clock.advance(19);
    void cache.get(ID);
    expect(loads.calls()).toBe(1);
    clock.advance(2);
    void cache.get(ID);
    expect(loads.calls()).toBe(2);
  });
});
