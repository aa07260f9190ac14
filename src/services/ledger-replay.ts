import Decimal from 'decimal.js';
import type { NewTransaction } from '../datasources/database/portfolio.repository';
import {
  apply,
  emptyLedger,
  inLedgerOrder,
  replayStored,
  type LedgerEntry,
  type StoredLedgerProblem,
  type TransactionType,
} from '../domain/ledger';
import type { Transaction } from '../generated/prisma/client';
import { BadUserInputError, LedgerDoesNotReplayError } from '../errors/errors';
import type { LedgerProblem } from './ledger-cache';
import type { ImportProblem } from './portfolio-import';

// Stored rows and new entries as the ledger sees them, and the replays that decide what
// a change may write: the rules PortfolioService applies under the portfolio's lock.

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

export function entryOfNew(t: NewTransaction): LedgerEntry {
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

/** An entry from a broker: its trade id (`kite:<trade_id>`) and the entry. */

/** A stored ledger's problem, named by the transaction's id and date. */
export function problemAt(
  rows: readonly Transaction[],
  problem: StoredLedgerProblem,
): LedgerProblem {
  const row = rows[problem.index];
  return {
    transactionId: row.id,
    date: row.date.toISOString().slice(0, 10),
    message: problem.message,
  };
}

/** A CSV line that passed its own checks, ready to be replayed with the ledger. */
export interface ImportLine {
  line: number;
  entry: LedgerEntry;
  row: NewTransaction;
}

/** Rounds of {@link acceptLines} before an import is refused as a whole. */
const MAX_IMPORT_ROUNDS = 50;

/**
 * Replays the stored ledger and the new lines together, in ledger order, and returns
 * the lines it can take. A new line the ledger cannot take at its date is skipped and
 * reported (skipping a sell never breaks a later entry). A new sell (or reverse split)
 * can also take the shares of a sell already stored later: then the new lines of that
 * symbol up to that date are refused, and the replay runs again without them.
 */
export function acceptLines(
  rows: readonly Transaction[],
  incoming: readonly ImportLine[],
  errors: ImportProblem[],
): NewTransaction[] {
  const existing = rows.map(entryOf);
  const stored = replayStored(existing).problem;
  if (stored) throw new LedgerDoesNotReplayError(problemAt(rows, stored));
  let candidates = incoming;
  for (let round = 0; round < MAX_IMPORT_ROUNDS; round++) {
    const state = emptyLedger();
    const accepted: ImportLine[] = [];
    const skipped: ImportProblem[] = [];
    let conflict: LedgerEntry | null = null;
    const items = [...existing.map((entry) => ({ entry, line: null })), ...candidates];
    for (const { item } of inLedgerOrder(items, (i) => i.entry.date)) {
      try {
        apply(state, item.entry);
        if (item.line !== null) accepted.push(item as ImportLine);
      } catch (error) {
        if (item.line === null) {
          conflict = item.entry;
          break;
        }
        skipped.push({ line: item.line, message: (error as Error).message });
      }
    }
    if (!conflict) {
      errors.push(...skipped);
      return accepted.map((line) => line.row);
    }
    const { symbol, date, quantity } = conflict;
    const blamed = new Set(
      accepted.filter(
        ({ entry }) =>
          (entry.type === 'SELL' || entry.type === 'SPLIT') &&
          entry.symbol === symbol &&
          entry.date <= date,
      ),
    );
    if (blamed.size === 0) break;
    for (const { line } of blamed) {
      errors.push({
        line,
        message: `would leave the sell of ${quantity} ${symbol} on ${date}, already in the ledger, beyond the open quantity`,
      });
    }
    candidates = candidates.filter((line) => !blamed.has(line));
  }
  throw new BadUserInputError(
    'csv: too many lines conflict with sells already in the ledger; import them in smaller parts',
    { argument: 'csv' },
  );
}
