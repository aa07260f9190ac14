import { LRUCache } from 'lru-cache';
import type { LedgerEntry, LedgerState } from '../domain/ledger';
import type { Portfolio, Transaction } from '../generated/prisma/client';
import type { InvalidationBus } from './invalidation-bus';

/** Where a stored ledger stops replaying: the entry and why. */
export interface LedgerProblem {
  transactionId: string;
  date: string;
  message: string;
}

/**
 * A portfolio with its ledger: the rows, their entries and the state after all of them;
 * or, when the stored rows no longer replay, the first entry that does not fit (and the
 * state before it, which nothing should show as the portfolio's).
 */
export interface Ledger {
  portfolio: Portfolio;
  rows: Transaction[];
  entries: LedgerEntry[];
  state: LedgerState;
  problem: LedgerProblem | null;
}

/** Settings of a {@link LedgerCache}. */
export interface LedgerCacheOptions {
  /**
   * Longest a ledger is kept. Changes reach every replica through the invalidation bus
   * at once; this bounds staleness only while the bus is down (Redis unreachable).
   */
  ttlMs: number;
  /** Transactions kept in all, over every cached ledger. */
  maxRows: number;
  /** The clock the TTL is measured on; the wall clock by default (tests move their own). */
  now?: () => Date;
}

export const DEFAULT_LEDGER_CACHE: LedgerCacheOptions = { ttlMs: 10_000, maxRows: 200_000 };

/**
 * Portfolios and their replayed ledgers, per process: a hot portfolio is read from the
 * database and replayed once, not on every request. Every ledger change is announced
 * on the invalidation bus (`portfolio:<id>`), which drops the entry on every replica;
 * a read in flight when its portfolio changes is not kept, so an invalidation is never
 * overwritten by what was read before it. Concurrent reads of one portfolio share one
 * load. Cached ledgers are shared by requests: callers only read them.
 */
export class LedgerCache {
  private readonly entries: LRUCache<string, Ledger>;
  private readonly loading = new Map<string, { ledger: Promise<Ledger | null>; stale: boolean }>();

  constructor(
    private readonly load: (portfolioId: string) => Promise<Ledger | null>,
    bus: InvalidationBus | null,
    options: LedgerCacheOptions = DEFAULT_LEDGER_CACHE,
  ) {
    const clock = options.now;
    this.entries = new LRUCache<string, Ledger>({
      maxSize: options.maxRows,
      sizeCalculation: (ledger) => ledger.rows.length + 1,
      ttl: options.ttlMs,
      // Every look reads the given clock (lru-cache would otherwise reuse one for 1 ms).
      ...(clock && { perf: { now: () => clock().getTime() }, ttlResolution: 0 }),
    });
    bus?.onMessage((message) => {
      if (message.startsWith(PORTFOLIO_MESSAGE))
        this.forget(message.slice(PORTFOLIO_MESSAGE.length));
    });
  }

  /** The portfolio and its ledger; null when there is no such portfolio. */
  get(portfolioId: string): Promise<Ledger | null> {
    const cached = this.entries.get(portfolioId);
    if (cached) return Promise.resolve(cached);
    const inFlight = this.loading.get(portfolioId);
    if (inFlight) return inFlight.ledger;
    const flight = { ledger: this.load(portfolioId), stale: false };
    this.loading.set(portfolioId, flight);
    const settle = () => {
      if (this.loading.get(portfolioId) === flight) this.loading.delete(portfolioId);
    };
    flight.ledger.then((ledger) => {
      settle();
      if (ledger && !flight.stale) this.entries.set(portfolioId, ledger);
    }, settle);
    return flight.ledger;
  }

  /** Drops a portfolio's ledger here (the bus does it on every replica). */
  forget(portfolioId: string): void {
    this.entries.delete(portfolioId);
    const inFlight = this.loading.get(portfolioId);
    if (inFlight) {
      inFlight.stale = true;
      // Later readers load again rather than join a read from before the change.
      this.loading.delete(portfolioId);
    }
  }
}

/** The bus message announcing that a portfolio or its ledger changed: this, then its id. */
export const PORTFOLIO_MESSAGE = 'portfolio:';
