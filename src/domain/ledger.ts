import Decimal from 'decimal.js';
import { isIsoDate } from './dates';

/** Ledger entry types of the contract. */
export const TRANSACTION_TYPES = [
  'BUY',
  'SELL',
  'DIVIDEND',
  'SPLIT',
  'DEPOSIT',
  'WITHDRAWAL',
  'FEE',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** One ledger entry, as the accounting sees it. Money and quantities are exact decimals. */
export interface LedgerEntry {
  type: TransactionType;
  /** ISO date. */
  date: string;
  symbol: string | null;
  quantity: Decimal | null;
  price: Decimal | null;
  fee: Decimal;
  amount: Decimal | null;
  ratio: Decimal | null;
}

/**
 * An open lot: shares bought together, at a cost per share that includes the fee, in
 * the listing currency; `rate` converts it to the portfolio's base currency as of the
 * buy (1 when the two are the same).
 */
export interface Lot {
  date: string;
  quantity: Decimal;
  costPerShare: Decimal;
  rate: Decimal;
}

/**
 * The accounting state after replaying entries. Lots are in the listing currency; every
 * amount of money here is in the base currency, each entry converted at its own date's
 * rate (see {@link apply}).
 */
export interface LedgerState {
  /** Open lots per symbol, oldest first. */
  lots: Map<string, Lot[]>;
  /** Open quantity per symbol (the sum of its lots), kept by {@link apply}. */
  open: Map<string, Decimal>;
  cash: Decimal;
  realizedPnl: Decimal;
  /**
   * The currency's part of realizedPnl: the FIFO cost of the lots sold, converted at the
   * sell's rate minus at their buys' rates. The rest is the price's part.
   */
  realizedFx: Decimal;
  dividendsReceived: Decimal;
  /** FEE entries (not commissions, which are in costs and proceeds). */
  fees: Decimal;
  deposits: Decimal;
  withdrawals: Decimal;
  /** Everything ever paid for buys, commissions included. */
  invested: Decimal;
}

/** An entry the ledger cannot accept, at its position in the replay. */
export class LedgerError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

const ZERO = new Decimal(0);
const ONE = new Decimal(1);

/** Why an entry is malformed on its own (before replay), or null. */
export function entryProblem(entry: LedgerEntry, today: string): string | null {
  if (!isIsoDate(entry.date)) return 'date must be a calendar date (YYYY-MM-DD)';
  if (entry.date > today) return `date ${entry.date} is in the future`;
  const positive = (value: Decimal | null) => value !== null && value.isFinite() && value.gt(0);
  if (entry.fee.isNeg() || !entry.fee.isFinite()) return 'fee must not be negative';
  switch (entry.type) {
    case 'BUY':
    case 'SELL':
      if (!entry.symbol) return `${entry.type} needs a symbol`;
      if (!positive(entry.quantity)) return 'quantity must be positive';
      if (!positive(entry.price)) return 'price must be positive';
      return null;
    case 'DIVIDEND':
      if (!entry.symbol) return 'DIVIDEND needs a symbol';
      return positive(entry.amount) ? null : 'amount must be positive';
    case 'SPLIT':
      if (!entry.symbol) return 'SPLIT needs a symbol';
      return positive(entry.ratio) ? null : 'ratio must be positive';
    case 'DEPOSIT':
    case 'WITHDRAWAL':
    case 'FEE':
      return positive(entry.amount) ? null : 'amount must be positive';
  }
}

/**
 * Items in ledger order: by date, keeping the given order within a day, each with its
 * position in `items`.
 */
export function inLedgerOrder<T>(
  items: readonly T[],
  dateOf: (item: T) => string,
): Array<{ item: T; index: number }> {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => dateOf(a.item).localeCompare(dateOf(b.item)) || a.index - b.index);
}

/** An empty ledger. */
export function emptyLedger(): LedgerState {
  return {
    lots: new Map(),
    open: new Map(),
    cash: ZERO,
    realizedPnl: ZERO,
    realizedFx: ZERO,
    dividendsReceived: ZERO,
    fees: ZERO,
    deposits: ZERO,
    withdrawals: ZERO,
    invested: ZERO,
  };
}

/** Open quantity of a symbol. */
export function openQuantity(state: LedgerState, symbol: string): Decimal {
  return state.open.get(symbol) ?? ZERO;
}

/**
 * Applies one entry (mutating `state`): lots are matched first-in-first-out; a buy's fee
 * adds to its cost, a sell's fee reduces its proceeds; a SPLIT of ratio r multiplies
 * open quantities by r and divides lot prices by r. Throws (a plain Error) for a sell
 * beyond the open quantity.
 *
 * `rate` converts the entry's money to the base currency on its date: BUY, SELL (price
 * and fee) and DIVIDEND are in the symbol's listing currency; DEPOSIT, WITHDRAWAL and FEE
 * are in the base currency already (their rate is 1). Quantities never convert.
 */
export function apply(state: LedgerState, entry: LedgerEntry, rate: Decimal = ONE): void {
  const symbol = entry.symbol ?? '';
  switch (entry.type) {
    case 'BUY': {
      const quantity = entry.quantity!;
      const cost = quantity.times(entry.price!).plus(entry.fee);
      const lots = state.lots.get(symbol) ?? [];
      lots.push({ date: entry.date, quantity, costPerShare: cost.div(quantity), rate });
      state.lots.set(symbol, lots);
      state.open.set(symbol, openQuantity(state, symbol).plus(quantity));
      state.cash = state.cash.minus(cost.times(rate));
      state.invested = state.invested.plus(cost.times(rate));
      return;
    }
    case 'SELL': {
      let remaining = entry.quantity!;
      const open = openQuantity(state, symbol);
      if (remaining.gt(open)) {
        throw new Error(`sells ${remaining} ${symbol} but only ${open} are open on ${entry.date}`);
      }
      const lots = state.lots.get(symbol) ?? [];
      let costOfSold = ZERO;
      let costOfSoldBase = ZERO;
      while (remaining.gt(0)) {
        const lot = lots[0];
        const taken = Decimal.min(lot.quantity, remaining);
        costOfSold = costOfSold.plus(taken.times(lot.costPerShare));
        costOfSoldBase = costOfSoldBase.plus(taken.times(lot.costPerShare).times(lot.rate));
        lot.quantity = lot.quantity.minus(taken);
        remaining = remaining.minus(taken);
        if (lot.quantity.isZero()) lots.shift();
      }
      if (lots.length === 0) {
        state.lots.delete(symbol);
        state.open.delete(symbol);
      } else state.open.set(symbol, open.minus(entry.quantity!));
      const proceeds = entry.quantity!.times(entry.price!).minus(entry.fee).times(rate);
      state.realizedPnl = state.realizedPnl.plus(proceeds.minus(costOfSoldBase));
      state.realizedFx = state.realizedFx.plus(costOfSold.times(rate).minus(costOfSoldBase));
      state.cash = state.cash.plus(proceeds);
      return;
    }
    case 'SPLIT': {
      const ratio = entry.ratio!;
      for (const lot of state.lots.get(symbol) ?? []) {
        lot.quantity = lot.quantity.times(ratio);
        lot.costPerShare = lot.costPerShare.div(ratio);
      }
      if (state.open.has(symbol)) state.open.set(symbol, openQuantity(state, symbol).times(ratio));
      return;
    }
    case 'DIVIDEND':
      state.dividendsReceived = state.dividendsReceived.plus(entry.amount!.times(rate));
      state.cash = state.cash.plus(entry.amount!.times(rate));
      return;
    case 'DEPOSIT':
      state.deposits = state.deposits.plus(entry.amount!);
      state.cash = state.cash.plus(entry.amount!);
      return;
    case 'WITHDRAWAL':
      state.withdrawals = state.withdrawals.plus(entry.amount!);
      state.cash = state.cash.minus(entry.amount!);
      return;
    case 'FEE':
      state.fees = state.fees.plus(entry.amount!);
      state.cash = state.cash.minus(entry.amount!);
      return;
  }
}

/** Cash and open quantities: what a day's value needs, without the lots. */
export interface HoldingsAndCash {
  cash: Decimal;
  open: Map<string, Decimal>;
}

/**
 * What {@link apply} does to cash and open quantities, without matching lots (no
 * division, no FIFO walk): for replays that value a ledger day by day. The entries must
 * already have passed {@link replay} (no sell beyond the open quantity).
 */
export function applyToHoldings(state: HoldingsAndCash, entry: LedgerEntry): void {
  const symbol = entry.symbol ?? '';
  const open = state.open.get(symbol) ?? ZERO;
  switch (entry.type) {
    case 'BUY':
      state.open.set(symbol, open.plus(entry.quantity!));
      state.cash = state.cash.minus(entry.quantity!.times(entry.price!).plus(entry.fee));
      return;
    case 'SELL': {
      const left = open.minus(entry.quantity!);
      if (left.isZero()) state.open.delete(symbol);
      else state.open.set(symbol, left);
      state.cash = state.cash.plus(entry.quantity!.times(entry.price!).minus(entry.fee));
      return;
    }
    case 'SPLIT':
      if (state.open.has(symbol)) state.open.set(symbol, open.times(entry.ratio!));
      return;
    case 'DIVIDEND':
    case 'DEPOSIT':
      state.cash = state.cash.plus(entry.amount!);
      return;
    case 'WITHDRAWAL':
    case 'FEE':
      state.cash = state.cash.minus(entry.amount!);
      return;
  }
}

/**
 * Replays entries in ledger order. A sell beyond the open quantity throws a
 * {@link LedgerError} naming the entry's position in `entries`.
 */
export function replay(entries: readonly LedgerEntry[]): LedgerState {
  const state = emptyLedger();
  for (const { item, index } of inLedgerOrder(entries, (entry) => entry.date)) {
    try {
      apply(state, item);
    } catch (error) {
      throw new LedgerError(index, (error as Error).message);
    }
  }
  return state;
}

/**
 * Replays entries that {@link replay} accepted, with each entry's money converted to the
 * base currency at `rateOf(entry)` (its date's rate; 1 for entries in the base currency).
 */
export function replayInBase(
  entries: readonly LedgerEntry[],
  rateOf: (entry: LedgerEntry) => Decimal,
): LedgerState {
  const state = emptyLedger();
  for (const { item } of inLedgerOrder(entries, (entry) => entry.date)) {
    apply(state, item, rateOf(item));
  }
  return state;
}

/** Why a stored ledger does not replay: the entry (its position in the entries) and why. */
export interface StoredLedgerProblem {
  index: number;
  message: string;
}

/** Far enough ahead that a stored entry is never "in the future" when it is re-checked. */
const NO_FUTURE_CHECK = '9999-12-31';

/**
 * Replays a ledger read from storage, where every entry once passed its checks but the
 * rows may since have been changed behind the gateway's back (or were written by an
 * older version with other rules). Instead of throwing, says which entry no longer
 * fits and why; the state is then that of the entries before it.
 */
export function replayStored(entries: readonly LedgerEntry[]): {
  state: LedgerState;
  problem: StoredLedgerProblem | null;
} {
  const state = emptyLedger();
  for (const { item, index } of inLedgerOrder(entries, (entry) => entry.date)) {
    const malformed = entryProblem(item, NO_FUTURE_CHECK);
    if (malformed) return { state, problem: { index, message: malformed } };
    try {
      apply(state, item);
    } catch (error) {
      return { state, problem: { index, message: (error as Error).message } };
    }
  }
  return { state, problem: null };
}

/** One open position. */
export interface Position {
  symbol: string;
  quantity: Decimal;
  /** Cost of the open lots in the listing currency. */
  costBasis: Decimal;
  /** costBasis / quantity. */
  averageCost: Decimal;
  /** Cost of the open lots in the base currency, each at its buy's rate. */
  costBasisBase: Decimal;
}

/** The open positions of a ledger, by symbol. */
export function positionsOf(state: LedgerState): Position[] {
  return [...state.lots.entries()]
    .map(([symbol, lots]) => {
      const quantity = lots.reduce((sum, lot) => sum.plus(lot.quantity), ZERO);
      const costBasis = lots.reduce(
        (sum, lot) => sum.plus(lot.quantity.times(lot.costPerShare)),
        ZERO,
      );
      const costBasisBase = lots.reduce(
        (sum, lot) => sum.plus(lot.quantity.times(lot.costPerShare).times(lot.rate)),
        ZERO,
      );
      return { symbol, quantity, costBasis, averageCost: costBasis.div(quantity), costBasisBase };
    })
    .filter((p) => p.quantity.gt(0))
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
}
