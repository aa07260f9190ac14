import type Decimal from 'decimal.js';
import type {
  LedgerWriter,
  NewTransaction,
  PortfolioRepository,
} from '../datasources/database/portfolio.repository';
import { emptyLedger, entryProblem, LedgerError, replay, replayStored } from '../domain/ledger';
import type { Viewer } from '../domain/viewer';
import type { Portfolio, Transaction } from '../generated/prisma/client';
import { BadUserInputError, LedgerDoesNotReplayError, NotFoundError } from '../errors/errors';
import type { InvalidationBus } from './invalidation-bus';
import {
  DEFAULT_LEDGER_CACHE,
  LedgerCache,
  PORTFOLIO_MESSAGE,
  type Ledger,
  type LedgerCacheOptions,
} from './ledger-cache';
import type { MarketDataService } from './market-data.service';
import { parseImport, type ImportFormat, type ImportProblem } from './portfolio-import';
import { decimalProblem } from '../domain/decimals';
import { acceptLines, entryOf, entryOfNew, problemAt } from './ledger-replay';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 100;

export interface ExternalEntry {
  externalId: string;
  entry: NewTransaction;
}

/** The outcome of {@link PortfolioService.importExternal}. */
export interface ExternalImportResult {
  imported: number;
  /** Entries whose external id the ledger already held: not written again. */
  alreadyImported: number;
  /** Entries refused, each with its external id and why. */
  errors: Array<{ externalId: string; message: string }>;
  /** Open quantity per symbol of the ledger as written (read under the lock). */
  open: ReadonlyMap<string, Decimal>;
}

/** The outcome of `importTransactions`. */
export interface ImportResult {
  imported: number;
  skipped: number;
  errors: ImportProblem[];
  dryRun: boolean;
}

/**
 * Portfolios of the viewer's own account and their ledgers. Someone else's portfolio
 * or transaction id reads as null (queries) or NOT_FOUND (mutations), never FORBIDDEN.
 */
export class PortfolioService {
  // Made here, before any live valuation listens to the bus: the cache's listener runs
  // first, so a valuation reloading on a change reads the new ledger.
  private readonly ledgers: LedgerCache;

  constructor(
    private readonly repository: PortfolioRepository,
    private readonly marketData: MarketDataService,
    private readonly now: () => Date = () => new Date(),
    private readonly bus: InvalidationBus | null = null,
    ledgerCache: LedgerCacheOptions = DEFAULT_LEDGER_CACHE,
  ) {
    this.ledgers = new LedgerCache((id) => this.readLedger(id), bus, ledgerCache);
  }

  /**
   * The bus message announcing that a portfolio or its ledger changed (cached ledgers
   * are dropped, live valuations reload).
   */
  static changed(portfolioId: string): string {
    return `${PORTFOLIO_MESSAGE}${portfolioId}`;
  }

  private async announce(portfolioId: string): Promise<void> {
    await this.bus?.publish(PortfolioService.changed(portfolioId));
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  list(viewer: Viewer): Promise<Portfolio[]> {
    return this.repository.listByUser(viewer.userId);
  }

  /** The portfolio if it is the viewer's; null otherwise. Reads the ledger cache. */
  async find(viewer: Viewer, id: string): Promise<Portfolio | null> {
    if (!UUID.test(id)) return null;
    const ledger = await this.ledgers.get(id);
    return ledger?.portfolio.userId === viewer.userId ? ledger.portfolio : null;
  }

  // Changes check ownership in the database, never in a cache.
  private async owned(viewer: Viewer, id: string): Promise<Portfolio> {
    const portfolio = UUID.test(id) ? await this.repository.findOwned(id, viewer.userId) : null;
    if (!portfolio) throw new NotFoundError('No such portfolio');
    return portfolio;
  }

  async create(viewer: Viewer, name: string, baseCurrency: string): Promise<Portfolio> {
    const currency = baseCurrency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      throw new BadUserInputError('baseCurrency must be an ISO 4217 code such as USD', {
        argument: 'baseCurrency',
      });
    }
    // Values are converted to it: a currency no provider has rates for could never value a
    // holding listed elsewhere. An outage does not refuse it (the rates may come back).
    const rates = await this.marketData.fxSeries(currency).catch(() => undefined);
    if (rates === null) {
      throw new BadUserInputError(`No provider has exchange rates for ${currency}`, {
        argument: 'baseCurrency',
      });
    }
    return this.repository.create(viewer.userId, checkName(name), currency);
  }

  async rename(viewer: Viewer, id: string, name: string): Promise<Portfolio> {
    const portfolio = await this.owned(viewer, id);
    const renamed = await this.repository.rename(portfolio.id, checkName(name));
    await this.announce(portfolio.id);
    return renamed;
  }

  async delete(viewer: Viewer, id: string): Promise<boolean> {
    const portfolio = await this.owned(viewer, id);
    await this.repository.delete(portfolio.id);
    await this.announce(portfolio.id);
    return true;
  }

  /**
   * A portfolio's ledger: its rows, their entries and the accounting state after all of
   * them (empty when there is no such portfolio), and `problem` when the stored rows no
   * longer replay. From the ledger cache: read only.
   */
  async ledger(portfolioId: string): Promise<Omit<Ledger, 'portfolio'>> {
    return (
      (await this.ledgers.get(portfolioId)) ?? {
        rows: [],
        entries: [],
        state: emptyLedger(),
        problem: null,
      }
    );
  }

  /**
   * {@link ledger} for what is computed from the state (holdings, valuation, analytics):
   * a ledger that does not replay is reported as such ({@link LedgerDoesNotReplayError}).
   */
  async replayedLedger(portfolioId: string): Promise<Omit<Ledger, 'portfolio'>> {
    const ledger = await this.ledger(portfolioId);
    if (ledger.problem) throw new LedgerDoesNotReplayError(ledger.problem);
    return ledger;
  }

  private async readLedger(portfolioId: string): Promise<Ledger | null> {
    const found = await this.repository.withTransactions(portfolioId);
    if (!found) return null;
    const { transactions: rows, ...portfolio } = found;
    const entries = rows.map(entryOf);
    const { state, problem } = replayStored(entries);
    return { portfolio, rows, entries, state, problem: problem && problemAt(rows, problem) };
  }

  /**
   * Runs `change` on the portfolio's ledger under its row lock (see
   * {@link PortfolioRepository.changeLedger}), then announces the change.
   */
  private async changeLedger<T>(
    portfolioId: string,
    change: (ledger: LedgerWriter) => Promise<T>,
    announce: (result: T) => boolean = () => true,
  ): Promise<T> {
    const changed = await this.repository.changeLedger(portfolioId, change);
    // Deleted between the ownership check and the lock.
    if (!changed) throw new NotFoundError('No such portfolio');
    if (announce(changed.result)) await this.announce(portfolioId);
    return changed.result;
  }

  /**
   * Adds one entry after checking it on its own (positive numbers, no future date, a
   * symbol a provider knows) and against the ledger (no sell beyond the open quantity
   * at its date, even after entries dated later).
   */
  async addTransaction(
    viewer: Viewer,
    portfolioId: string,
    input: NewTransaction,
    marketData: MarketDataService = this.marketData,
  ): Promise<Transaction> {
    const portfolio = await this.owned(viewer, portfolioId);
    for (const field of ['quantity', 'price', 'fee', 'amount', 'ratio'] as const) {
      const value = input[field];
      const problem = value === null ? null : decimalProblem(value);
      if (problem) {
        throw new BadUserInputError(`input.${field} ${problem}`, { argument: `input.${field}` });
      }
    }
    const entry = entryOfNew(input);
    const problem = entryProblem(entry, this.today());
    if (problem) throw new BadUserInputError(problem, { argument: 'input' });
    if (input.symbol) {
      const known = await marketData.profiles([input.symbol]);
      if (!known.has(input.symbol)) {
        throw new BadUserInputError(`Unknown symbol ${input.symbol}`, { argument: 'input.symbol' });
      }
    }
    // Checked and written under the portfolio's lock: a concurrent change is either
    // wholly before this one (and in `rows`) or waits for it.
    return this.changeLedger(portfolio.id, async (ledger) => {
      const rows = await ledger.transactions();
      const existing = rows.map(entryOf);
      try {
        replay([...existing, entry]);
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        // A new entry may mend a ledger that no longer replays (the missing buy before
        // a sell); one that does not is told what is wrong with the stored ledger.
        const stored = replayStored(existing).problem;
        if (stored) throw new LedgerDoesNotReplayError(problemAt(rows, stored));
        throw new BadUserInputError(error.message, { argument: 'input' });
      }
      return ledger.add(input);
    });
  }

  /** Deletes an entry, unless that would leave a later sell beyond its open quantity. */
  async deleteTransaction(viewer: Viewer, id: string): Promise<boolean> {
    const transaction = UUID.test(id)
      ? await this.repository.findTransactionOwned(id, viewer.userId)
      : null;
    if (!transaction) throw new NotFoundError('No such transaction');
    return this.changeLedger(transaction.portfolioId, async (ledger) => {
      const rows = await ledger.transactions();
      if (!rows.some((t) => t.id === id)) throw new NotFoundError('No such transaction');
      const remaining = rows.filter((t) => t.id !== id).map(entryOf);
      const after = replayStored(remaining).problem;
      // Refused when it would break a ledger that replays; a ledger that already does
      // not replay may be mended one deletion at a time.
      if (after && !replayStored(rows.map(entryOf)).problem) {
        throw new BadUserInputError(`Deleting it would break the ledger: ${after.message}`, {
          argument: 'id',
        });
      }
      await ledger.delete(id);
      return true;
    });
  }

  /**
   * Imports a CSV. Every line is checked (format, numbers, dates, known symbols, and the
   * ledger: no sell beyond the open quantity at its date). Lines that fail are skipped
   * and reported with their line number; the valid lines are written in one database
   * transaction, all of them or none. With dryRun nothing is written.
   */
  async importTransactions(
    viewer: Viewer,
    portfolioId: string,
    csv: string,
    format: ImportFormat,
    dryRun: boolean,
    marketData: MarketDataService = this.marketData,
  ): Promise<ImportResult> {
    const portfolio = await this.owned(viewer, portfolioId);
    const today = this.today();
    let parsed;
    try {
      parsed = parseImport(csv, format, today);
    } catch (error) {
      throw new BadUserInputError(`csv: ${(error as Error).message}`, { argument: 'csv' });
    }
    const errors: ImportProblem[] = [...parsed.problems];
    const candidates = parsed.lines.filter(({ line, entry }) => {
      const problem = entryProblem(entryOfNew(entry), today);
      if (problem) errors.push({ line, message: problem });
      return !problem;
    });
    const symbols = [
      ...new Set(candidates.map((c) => c.entry.symbol).filter((s): s is string => !!s)),
    ];
    const known = new Set<string>();
    for (let i = 0; i < symbols.length; i += 100) {
      for (const symbol of (await marketData.profiles(symbols.slice(i, i + 100))).keys())
        known.add(symbol);
    }
    const withSymbols = candidates.filter(({ line, entry }) => {
      if (!entry.symbol || known.has(entry.symbol)) return true;
      errors.push({ line, message: `unknown symbol ${entry.symbol}` });
      return false;
    });

    const incoming = withSymbols.map((c) => ({
      line: c.line,
      entry: entryOfNew(c.entry),
      row: c.entry,
    }));
    const write = async (ledger: LedgerWriter | null, rows: Transaction[]) => {
      const accepted = acceptLines(rows, incoming, errors);
      errors.sort((a, b) => a.line - b.line);
      return ledger ? ledger.addMany(accepted) : accepted.length;
    };
    const imported = dryRun
      ? await write(null, await this.repository.transactions(portfolio.id))
      : await this.changeLedger(
          portfolio.id,
          async (ledger) => write(ledger, await ledger.transactions()),
          (count) => count > 0,
        );
    return { imported, skipped: errors.length, errors, dryRun };
  }

  /**
   * Writes entries that came from a broker, idempotently: under the portfolio's lock,
   * entries whose external id the ledger holds are left out, the others pass the same
   * checks as an import (their own, known symbols, and the ledger replayed with them in
   * ledger order) and the ones that pass are written in one statement. The portfolio
   * must be the viewer's.
   */
  async importExternal(
    viewer: Viewer,
    portfolioId: string,
    items: readonly ExternalEntry[],
    marketData: MarketDataService = this.marketData,
  ): Promise<ExternalImportResult> {
    const portfolio = await this.owned(viewer, portfolioId);
    const today = this.today();
    const problems: ImportProblem[] = [];
    const symbols = [...new Set(items.map((i) => i.entry.symbol).filter((s): s is string => !!s))];
    const known = new Set<string>();
    for (let i = 0; i < symbols.length; i += 100) {
      for (const symbol of (await marketData.profiles(symbols.slice(i, i + 100))).keys())
        known.add(symbol);
    }
    // Line numbers stand for the items (1-based) so that the import's rules apply as they are.
    const seen = new Set<string>();
    const candidates = items.flatMap((item, index) => {
      const line = index + 1;
      const digits = (['quantity', 'price'] as const)
        .map((field) => {
          const value = item.entry[field];
          const problem = value === null ? null : decimalProblem(value);
          return problem && `${field} ${value} ${problem}`;
        })
        .find(Boolean);
      // Checked before anything is made of the numbers: a broker may answer any.
      const entry = digits ? null : entryOfNew(item.entry);
      const problem =
        digits ||
        entryProblem(entry!, today) ||
        (item.entry.symbol && !known.has(item.entry.symbol)
          ? `unknown symbol ${item.entry.symbol}`
          : null) ||
        (seen.has(item.externalId) ? `${item.externalId} appears twice in one answer` : null);
      seen.add(item.externalId);
      if (problem || !entry) problems.push({ line, message: problem || 'not an entry' });
      return problem || !entry
        ? []
        : [{ line, entry, row: { ...item.entry, externalId: item.externalId } }];
    });
    const result = await this.changeLedger(
      portfolio.id,
      async (ledger) => {
        const rows = await ledger.transactions();
        const held = new Set(rows.map((row) => row.externalId).filter(Boolean));
        const fresh = candidates.filter((c) => !held.has(c.row.externalId ?? null));
        const accepted = acceptLines(rows, fresh, problems);
        const imported = await ledger.addMany(accepted);
        const state = replay([...rows.map(entryOf), ...accepted.map(entryOfNew)]);
        return { imported, alreadyImported: candidates.length - fresh.length, open: state.open };
      },
      ({ imported }) => imported > 0,
    );
    problems.sort((a, b) => a.line - b.line);
    return {
      ...result,
      errors: problems.map(({ line, message }) => ({
        externalId: items[line - 1].externalId,
        message,
      })),
    };
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
    throw new BadUserInputError(`name must be 1-${MAX_NAME} characters`, { argument: 'name' });
  }
  return trimmed;
}
