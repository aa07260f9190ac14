import Decimal from 'decimal.js';
import type { NewTransaction } from '../datasources/database/portfolio.repository';
import {
  apply,
  emptyLedger,
  inLedgerOrder,
  LedgerError,
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

/**
 * Entries {@link acceptLines} may replay for one import before refusing it: a replay per
 * symbol that takes new lines, and one more per stored sell those lines conflict with.
 * Bounds the work of a crafted import (every new sell dated between stored ones) at
 * about a second, without refusing any real one (one round per symbol).
 */
export const MAX_IMPORT_REPLAY = 500_000;

interface ReplayItem {
  entry: LedgerEntry;
  /** Null for an entry already stored. */
  line: ImportLine | null;
}

/**
 * Replays the stored ledger and the new lines together, in ledger order, and returns
 * the lines it can take, in ledger order. Only a sell can fail, and only against its own
 * symbol's lots, so each symbol with new lines is replayed on its own (sorted once). A
 * new line the ledger cannot take at its date is skipped and reported (skipping a sell
 * never breaks a later entry). A new sell (or reverse split) can also take the shares of
 * a sell already stored later: then that symbol's new sells and splits before it are
 * refused, and the symbol is replayed again without them.
 */
export function acceptLines(
  rows: readonly Transaction[],
  incoming: readonly ImportLine[],
  errors: ImportProblem[],
): NewTransaction[] {
  const existing = rows.map(entryOf);
  const stored = replayStored(existing).problem;
  if (stored) throw new LedgerDoesNotReplayError(problemAt(rows, stored));
  const items: ReplayItem[] = [
    ...existing.map((entry) => ({ entry, line: null })),
    ...incoming.map((line) => ({ entry: line.entry, line })),
  ];
  const ordered = inLedgerOrder(items, (item) => item.entry.date).map(({ item }) => item);
  const bySymbol = new Map<string, ReplayItem[]>();
  for (const item of ordered) {
    if (!item.entry.symbol) continue; // cash entries never fail
    const list = bySymbol.get(item.entry.symbol) ?? [];
    list.push(item);
    bySymbol.set(item.entry.symbol, list);
  }
  const refused = new Set<ImportLine>();
  let work = 0;
  for (const list of bySymbol.values()) {
    if (!list.some((item) => item.line)) continue;
    for (;;) {
      work += list.length;
      if (work > MAX_IMPORT_REPLAY) {
        throw new BadUserInputError(
          'csv: too many lines conflict with sells already in the ledger; import them in smaller parts',
          { argument: 'csv' },
        );
      }
      const blamed = replaySymbol(list, refused, errors);
      if (blamed.length === 0) break;
      for (const line of blamed) refused.add(line);
    }
  }
  return ordered
    .filter((item) => item.line && !refused.has(item.line))
    .map((item) => item.line!.row);
}

/**
 * One replay of a symbol's entries, new lines in `refused` left out. Without a conflict,
 * the new lines it cannot take join `refused` and `errors`, and nothing is blamed. When
 * a stored sell fails, answers the new sells and splits taken before it (and reports
 * them), for the caller to replay without.
 */
function replaySymbol(
  list: readonly ReplayItem[],
  refused: Set<ImportLine>,
  errors: ImportProblem[],
): ImportLine[] {
  const state = emptyLedger();
  const taken: ImportLine[] = [];
  const skipped: Array<{ line: ImportLine; message: string }> = [];
  for (const { entry, line } of list) {
    if (line && refused.has(line)) continue;
    try {
      apply(state, entry);
      if (line && (entry.type === 'SELL' || entry.type === 'SPLIT')) taken.push(line);
    } catch (error) {
      if (line) {
        skipped.push({ line, message: (error as Error).message });
        continue;
      }
      // The stored entries replay on their own, so a new line took these shares; were none
      // to blame, writing would break the ledger.
      if (taken.length === 0) throw new LedgerError(0, (error as Error).message);
      const message = `would leave the sell of ${entry.quantity} ${entry.symbol} on ${entry.date}, already in the ledger, beyond the open quantity`;
      for (const blamed of taken) errors.push({ line: blamed.line, message });
      return taken;
    }
  }
  for (const { line, message } of skipped) {
    refused.add(line);
    errors.push({ line: line.line, message });
  }
  return [];
}
