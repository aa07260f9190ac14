import Decimal from 'decimal.js';
import type {
  NewTransaction,
  PortfolioRepository,
} from '../datasources/database/portfolio.repository';
import {
  apply,
  emptyLedger,
  entryProblem,
  inLedgerOrder,
  LedgerError,
  replay,
  type LedgerEntry,
  type LedgerState,
  type TransactionType,
} from '../domain/ledger';
import type { Viewer } from '../domain/viewer';
import type { Portfolio, Transaction } from '../generated/prisma/client';
import { BadUserInputError, NotFoundError } from '../errors/errors';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 100;

const dec = (value: { toString(): string } | null) =>
  value === null ? null : new Decimal(value.toString());

/** A stored transaction as a ledger entry. */
export function entryOf(t: Transaction): LedgerEntry {
  return {
    type: t.type as TransactionType,
    date: t.date.toISOString().slice(0, 10),
    symbol: t.symbol,
    quantity: dec(t.quantity),
    price: dec(t.price),
    fee: dec(t.fee) ?? new Decimal(0),
    amount: dec(t.amount),
    ratio: dec(t.ratio),
  };
}

function entryOfNew(t: NewTransaction): LedgerEntry {
  return {
    type: t.type,
    date: t.date,
    symbol: t.symbol,
    quantity: dec(t.quantity),
    price: dec(t.price),
    fee: new Decimal(t.fee),
    amount: dec(t.amount),
    ratio: dec(t.ratio),
  };
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
   * them (empty when there is no such portfolio). From the ledger cache: read only.
   */
  async ledger(
    portfolioId: string,
  ): Promise<{ rows: Transaction[]; entries: LedgerEntry[]; state: LedgerState }> {
    return (await this.ledgers.get(portfolioId)) ?? { rows: [], entries: [], state: emptyLedger() };
  }

  private async readLedger(portfolioId: string): Promise<Ledger | null> {
    const found = await this.repository.withTransactions(portfolioId);
    if (!found) return null;
    const { transactions: rows, ...portfolio } = found;
    const entries = rows.map(entryOf);
    return { portfolio, rows, entries, state: replay(entries) };
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
    const existing = (await this.repository.transactions(portfolio.id)).map(entryOf);
    try {
      replay([...existing, entry]);
    } catch (error) {
      if (error instanceof LedgerError)
        throw new BadUserInputError(error.message, { argument: 'input' });
      throw error;
    }
    const added = await this.repository.addTransaction(portfolio.id, input);
    await this.announce(portfolio.id);
    return added;
  }

  /** Deletes an entry, unless that would leave a later sell beyond its open quantity. */
  async deleteTransaction(viewer: Viewer, id: string): Promise<boolean> {
    const transaction = UUID.test(id)
      ? await this.repository.findTransactionOwned(id, viewer.userId)
      : null;
    if (!transaction) throw new NotFoundError('No such transaction');
    const remaining = (await this.repository.transactions(transaction.portfolioId)).filter(
      (t) => t.id !== id,
    );
    try {
      replay(remaining.map(entryOf));
    } catch (error) {
      if (error instanceof LedgerError) {
        throw new BadUserInputError(`Deleting it would break the ledger: ${error.message}`, {
          argument: 'id',
        });
      }
      throw error;
    }
    await this.repository.deleteTransaction(id);
    await this.announce(transaction.portfolioId);
    return true;
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

    // Replay the existing ledger and the new lines together, in date order; a new line
    // the ledger cannot take is skipped (only sells can fail, and skipping a sell never
    // breaks a later entry).
    const existing = (await this.repository.transactions(portfolio.id)).map((t) => ({
      line: 0,
      entry: entryOf(t),
      row: null as NewTransaction | null,
    }));
    const incoming = withSymbols.map((c) => ({
      line: c.line,
      entry: entryOfNew(c.entry),
      row: c.entry,
    }));
    const state = emptyLedger();
    const accepted: NewTransaction[] = [];
    for (const { item } of inLedgerOrder([...existing, ...incoming], (i) => i.entry.date)) {
      try {
        apply(state, item.entry);
        if (item.row) accepted.push(item.row);
      } catch (error) {
        if (!item.row) throw error;
        errors.push({ line: item.line, message: (error as Error).message });
      }
    }
    errors.sort((a, b) => a.line - b.line);
    const imported = dryRun
      ? accepted.length
      : await this.repository.addMany(portfolio.id, accepted);
    if (!dryRun && imported > 0) await this.announce(portfolio.id);
    return { imported, skipped: errors.length, errors, dryRun };
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
    throw new BadUserInputError(`name must be 1-${MAX_NAME} characters`, { argument: 'name' });
  }
  return trimmed;
}
