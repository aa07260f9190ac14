/**
 * Prices of fields whose work grows with data: the part of the query cost that a
 * static cost per field cannot say. Each is computed before execution, from the
 * field's arguments and the sizes of the caller's portfolios (an upper bound: see
 * {@link LedgerSizes}). The README's price table states the same formulas.
 */

/** The size of a portfolio's ledger, as far as pricing is concerned. */
export interface LedgerSizes {
  /** Ledger entries. */
  transactions: number;
  /** Distinct symbols ever in the ledger (at least the open holdings). */
  symbols: number;
  /** Days from the first entry to today (0 for an empty ledger). */
  days: number;
}

/** An empty ledger: what is priced when the caller has no portfolio. */
export const EMPTY_LEDGER: LedgerSizes = { transactions: 0, symbols: 0, days: 0 };

/** Largest page of `Portfolio.transactions`. */
export const MAX_TRANSACTIONS_PAGE = 500;
/** `Portfolio.transactions` page size when `first` is not given. */
export const DEFAULT_TRANSACTIONS_PAGE = 100;

/** What a field costs: `own` per item plus its selections', times `size` items. */
export interface FieldPrice {
  own: number;
  size: number;
}

/** The arguments a price reads (as coerced from the document and variables). */
export type PriceArguments = Record<string, unknown>;

const DAY_MS = 86_400_000;

function daysBetween(from: unknown, to: unknown, fallbackDays: number, today: string): number {
  const end = typeof to === 'string' ? to : today;
  const endTime = Date.parse(`${end}T00:00:00Z`);
  const startTime =
    typeof from === 'string'
      ? Date.parse(`${from}T00:00:00Z`)
      : endTime - (fallbackDays - 1) * DAY_MS;
  const days = Math.floor((endTime - startTime) / DAY_MS) + 1;
  return Number.isFinite(days) ? Math.max(1, days) : 1;
}

/** A data-driven price, named by a field's `@Extensions({ price })`. */
export type DataPrice = (args: PriceArguments, sizes: LedgerSizes, today: string) => FieldPrice;

/**
 * The data-driven prices. Units: one cost point is roughly the work of one quote
 * lookup; the divisors were set so that the slowest operation each plan's budget
 * allows stays well under a second (bench/query-prices.ts).
 */
export const DATA_PRICES = {
  /** One item per holding (each holding's selections priced on top). */
  holdings: (_args, sizes) => ({ own: 1, size: sizes.symbols }),
  /** Valuation, allocation, income: a pass over the holdings. */
  perHoldings: (_args, sizes) => ({ own: 5 + Math.ceil(sizes.symbols / 10), size: 1 }),
  /** A holdings × holdings correlation matrix over a year of returns. */
  risk: (_args, sizes) => ({ own: 10 + Math.ceil((sizes.symbols * sizes.symbols) / 20), size: 1 }),
  /** A replay of the ledger and a valuation of every holding on every day of the range. */
  performance: (args, sizes, today) => {
    const days = daysBetween(args.from, args.to, sizes.days, today);
    return {
      own:
        10 +
        Math.ceil((days * Math.max(1, sizes.symbols)) / 2_000) +
        Math.ceil(sizes.transactions / 500),
      size: 1,
    };
  },
  /** A page of the ledger: one point per 50 entries asked for. */
  transactions: (args) => {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_TRANSACTIONS_PAGE;
    return { own: 1 + Math.ceil(Math.max(0, first) / 50), size: 1 };
  },
  /** Daily bars over the range asked (a year by default): one point per 92 days. */
  history: (args, _sizes, today) => ({
    own: 1 + Math.ceil(daysBetween(args.from, args.to, 365, today) / 92),
    size: 1,
  }),
} satisfies Record<string, DataPrice>;

/** A name of {@link DATA_PRICES}. */
export type DataPriceName = keyof typeof DATA_PRICES;

/** The prices that read portfolio sizes (the others read arguments alone). */
export const LEDGER_PRICES: ReadonlySet<DataPriceName> = new Set([
  'holdings',
  'perHoldings',
  'risk',
  'performance',
]);
