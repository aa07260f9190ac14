import { randomUUID } from 'node:crypto';
import type { Portfolio, PrismaClient, Transaction } from '../../generated/prisma/client';
import type { TransactionType } from '../../domain/ledger';

/** Fields of a new ledger entry, decimals as strings (stored exactly). */
export interface NewTransaction {
  type: TransactionType;
  date: string;
  symbol: string | null;
  quantity: string | null;
  price: string | null;
  fee: string;
  amount: string | null;
  ratio: string | null;
  note: string | null;
  /**
   * The broker's id of the trade the entry came from (`kite:<trade_id>`): unique per
   * portfolio, so that a re-synced trade is never written twice. Absent: null.
   */
  externalId?: string | null;
}

/** How large one portfolio's ledger is. */
export interface LedgerExtent {
  portfolioId: string;
  transactions: number;
  symbols: number;
  /** YYYY-MM-DD of the first entry; null for an empty ledger. */
  firstDate: string | null;
}

const toRow = (portfolioId: string, t: NewTransaction) => ({
  portfolioId,
  type: t.type,
  date: new Date(`${t.date}T00:00:00Z`),
  symbol: t.symbol,
  quantity: t.quantity,
  price: t.price,
  fee: t.fee,
  amount: t.amount,
  ratio: t.ratio,
  note: t.note,
  externalId: t.externalId ?? null,
});

const LEDGER_ORDER = [{ date: 'asc' as const }, { seq: 'asc' as const }];

/**
 * Reads and writes `portfolios` and `transactions`. Reads and writes are scoped to the
 * owner (someone else's portfolio or transaction is simply not found), except
 * {@link PortfolioRepository.withTransactions}, the ledger cache's read by id, whose
 * caller checks the owner.
 */
export class PortfolioRepository {
  constructor(private readonly prisma: PrismaClient) {}

  listByUser(userId: string): Promise<Portfolio[]> {
    return this.prisma.portfolio.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  /**
   * Per portfolio of the user: ledger entries, distinct symbols and the first entry's
   * date, in one aggregate query (what query pricing reads).
   */
  async ledgerExtents(userId: string): Promise<LedgerExtent[]> {
    const rows = await this.prisma.$queryRaw<
      Array<{ id: string; transactions: number; symbols: number; first: Date | null }>
    >`SELECT p.id::text AS id, count(t.id)::int AS transactions,
        count(DISTINCT t.symbol)::int AS symbols, min(t.date) AS first
      FROM portfolios p LEFT JOIN transactions t ON t.portfolio_id = p.id
      WHERE p.user_id = ${userId}::uuid
      GROUP BY p.id`;
    return rows.map((row) => ({
      portfolioId: row.id,
      transactions: Number(row.transactions),
      symbols: Number(row.symbols),
      firstDate: row.first ? new Date(row.first).toISOString().slice(0, 10) : null,
    }));
  }

  findOwned(id: string, userId: string): Promise<Portfolio | null> {
    return this.prisma.portfolio.findFirst({ where: { id, userId } });
  }

  create(userId: string, name: string, baseCurrency: string): Promise<Portfolio> {
    return this.prisma.portfolio.create({ data: { userId, name, baseCurrency } });
  }

  rename(id: string, name: string): Promise<Portfolio> {
    return this.prisma.portfolio.update({ where: { id }, data: { name } });
  }

  async delete(id: string): Promise<void> {
    await this.prisma.portfolio.delete({ where: { id } });
  }

  /** The ledger in order: by date, then insertion. */
  transactions(portfolioId: string): Promise<Transaction[]> {
    return this.prisma.transaction.findMany({
      where: { portfolioId },
      orderBy: LEDGER_ORDER,
    });
  }

  /** A portfolio (whoever owns it) with its ledger in order, or null. */
  withTransactions(id: string): Promise<(Portfolio & { transactions: Transaction[] }) | null> {
    return this.prisma.portfolio.findUnique({
      where: { id },
      include: { transactions: { orderBy: LEDGER_ORDER } },
    });
  }

  findTransactionOwned(id: string, userId: string): Promise<Transaction | null> {
    return this.prisma.transaction.findFirst({ where: { id, portfolio: { userId } } });
  }

  /**
   * Runs `change` in one database transaction that holds the portfolio's row lock
   * (`SELECT … FOR UPDATE`): every change of one portfolio's ledger goes through here, so
   * the ledger `change` reads is the ledger it writes to, and two changes checked
   * against the same ledger (two sells of the last shares) cannot both pass. Null when
   * the portfolio does not exist (any more).
   */
  async changeLedger<T>(
    portfolioId: string,
    change: (ledger: LedgerWriter) => Promise<T>,
  ): Promise<{ result: T } | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<Array<{ id: string }>>`
          SELECT id::text AS id FROM portfolios WHERE id = ${portfolioId}::uuid FOR UPDATE`;
        if (locked.length === 0) return null;
        return { result: await change(new LedgerWriter(tx, portfolioId)) };
      },
      // A 50,000-line import is one INSERT of a fraction of a second; the bound is for a
      // lock held by a stalled writer, not for the work.
      { maxWait: LEDGER_LOCK_WAIT_MS, timeout: LEDGER_CHANGE_TIMEOUT_MS },
    );
  }
}

/** How long a ledger change waits for a pooled connection to start its transaction. */
export const LEDGER_LOCK_WAIT_MS = 5_000;
/** Longest a ledger change may hold its portfolio's lock before it is rolled back. */
export const LEDGER_CHANGE_TIMEOUT_MS = 30_000;

type TransactionClient = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** One portfolio's ledger inside {@link PortfolioRepository.changeLedger}'s transaction. */
export class LedgerWriter {
  constructor(
    private readonly tx: TransactionClient,
    readonly portfolioId: string,
  ) {}

  /** The ledger in order: by date, then insertion. */
  transactions(): Promise<Transaction[]> {
    return this.tx.transaction.findMany({
      where: { portfolioId: this.portfolioId },
      orderBy: LEDGER_ORDER,
    });
  }

  add(t: NewTransaction): Promise<Transaction> {
    return this.tx.transaction.create({ data: toRow(this.portfolioId, t) });
  }

  async delete(id: string): Promise<void> {
    await this.tx.transaction.delete({ where: { id } });
  }

  /**
   * Writes every entry in one statement, in the given order. One INSERT … SELECT FROM
   * unnest(arrays) instead of Prisma's createMany: 10,000 rows take a fraction of a
   * second rather than seconds. An entry whose external id the portfolio already holds
   * is not written (callers filter them out under the lock; this is the last guard).
   */
  async addMany(entries: NewTransaction[]): Promise<number> {
    if (entries.length === 0) return 0;
    const column = <K extends keyof NewTransaction>(key: K) => entries.map((e) => e[key]);
    return this.tx.$executeRaw`
      INSERT INTO transactions (id, portfolio_id, type, date, symbol, quantity, price, fee, amount, ratio, note, external_id)
      SELECT id, ${this.portfolioId}::uuid, type::"TransactionType", date, symbol, quantity, price, fee, amount, ratio, note, external_id
      FROM unnest(
        ${entries.map(() => randomUUID())}::uuid[],
        ${column('type')}::text[],
        ${column('date')}::date[],
        ${column('symbol')}::text[],
        ${column('quantity')}::numeric[],
        ${column('price')}::numeric[],
        ${column('fee')}::numeric[],
        ${column('amount')}::numeric[],
        ${column('ratio')}::numeric[],
        ${column('note')}::text[],
        ${entries.map((e) => e.externalId ?? null)}::text[]
      ) WITH ORDINALITY AS t(id, type, date, symbol, quantity, price, fee, amount, ratio, note, external_id, n)
      ORDER BY n
      ON CONFLICT (portfolio_id, external_id) DO NOTHING`;
  }
}
