import { randomUUID } from 'node:crypto';
import type { NewTransaction } from '../../../src/datasources/database/portfolio.repository';
import type { Transaction } from '../../../src/generated/prisma/client';
import type { ImportProblem } from '../../../src/services/portfolio-import';
import {
  acceptLines,
  entryOfNew,
  MAX_IMPORT_REPLAY,
  type ImportLine,
} from '../../../src/services/ledger-replay';
import { ledgerSymbolOf } from '../../../src/services/broker-sync-entries';
import { entryProblem } from '../../../src/domain/ledger';

const row = (
  type: NewTransaction['type'],
  date: string,
  symbol: string | null,
  quantity: string | null,
  price: string | null,
  amount: string | null = null,
): NewTransaction => ({
  type,
  date,
  symbol,
  quantity,
  price,
  fee: '0',
  amount,
  ratio: null,
  note: null,
});
// Stored rows as Prisma answers them: decimals print their text.
const stored = (rows: NewTransaction[]): Transaction[] =>
  rows.map((t, i) => ({
    id: randomUUID(),
    portfolioId: 'p',
    seq: BigInt(i),
    type: t.type,
    date: new Date(`${t.date}T00:00:00Z`),
    symbol: t.symbol,
    quantity: t.quantity,
    price: t.price,
    fee: t.fee,
    amount: t.amount,
    ratio: t.ratio,
    note: t.note,
    externalId: null,
    createdAt: new Date(),
  })) as unknown as Transaction[];
const lines = (rows: NewTransaction[]): ImportLine[] =>
  rows.map((r, i) => ({ line: i + 2, entry: entryOfNew(r), row: r }));

describe('acceptLines', () => {
  it('refuses, in each symbol, the new sells that take the shares of a later stored sell', () => {
    const errors: ImportProblem[] = [];
    const accepted = acceptLines(
      stored([
        row('BUY', '2024-01-02', 'KO', '10', '60'),
        row('SELL', '2024-03-01', 'KO', '10', '65'),
        row('BUY', '2024-01-02', 'PEP', '4', '150'),
        row('SELL', '2024-03-01', 'PEP', '4', '160'),
      ]),
      lines([
        row('SELL', '2024-02-01', 'KO', '5', '62'), // line 2: KO's March sell needs it
        row('SELL', '2024-02-01', 'PEP', '1', '155'), // line 3: PEP's likewise
        row('BUY', '2024-02-02', 'KO', '1', '61'), // line 4: fine
        row('SELL', '2024-03-02', 'KO', '2', '66'), // line 5: beyond what is open then
      ]),
      errors,
    );
    expect(accepted.map((r) => [r.type, r.symbol, r.date])).toEqual([['BUY', 'KO', '2024-02-02']]);
    expect(errors.sort((a, b) => a.line - b.line)).toEqual([
      {
        line: 2,
        message: expect.stringMatching(/sell of 10 KO on 2024-03-01, already in the ledger/),
      },
      {
        line: 3,
        message: expect.stringMatching(/sell of 4 PEP on 2024-03-01, already in the ledger/),
      },
      { line: 5, message: 'sells 2 KO but only 1 are open on 2024-03-02' },
    ]);
  });

  it('bounds the work of a crafted import: each new sell breaks the next stored one', () => {
    // Stored: buy 1, sell 1, day after day, never a share to spare. A new sell right after
    // each stored buy breaks the next stored sell, and each replay can blame only it.
    const pairs = 700;
    const date = (i: number) => new Date(Date.UTC(2020, 0, 2 + i)).toISOString().slice(0, 10);
    const storedRows: NewTransaction[] = [];
    const incoming: NewTransaction[] = [];
    for (let i = 0; i < pairs; i++) {
      storedRows.push(row('BUY', date(2 * i), 'KO', '1', '60'));
      storedRows.push(row('SELL', date(2 * i + 1), 'KO', '1', '60'));
      incoming.push(row('SELL', date(2 * i), 'KO', '1', '61'));
    }
    expect((storedRows.length + incoming.length) * pairs).toBeGreaterThan(MAX_IMPORT_REPLAY);
    expect(() => acceptLines(stored(storedRows), lines(incoming), [])).toThrow(
      /too many lines conflict with sells already in the ledger/,
    );
    // A few such lines are refused one by one, within the bound.
    const errors: ImportProblem[] = [];
    expect(acceptLines(stored(storedRows), lines(incoming.slice(0, 5)), errors)).toEqual([]);
    expect(errors).toHaveLength(5);
  });
});

describe('broker symbols and dates', () => {
  it('drops only an NSE series from a broker symbol, as the CSV imports do', () => {
    expect(ledgerSymbolOf('NSE', 'INFY-BE')).toBe('INFY');
    expect(ledgerSymbolOf('NSE', 'BAJAJ-AUTO')).toBe('BAJAJ-AUTO');
    expect(ledgerSymbolOf('BSE', 'M&M')).toBe('M&M');
    expect(ledgerSymbolOf('NFO', 'NIFTY24DECFUT')).toBeNull();
  });

  it('refuses a date that does not exist, whatever wrote it', () => {
    const entry = entryOfNew(row('DEPOSIT', '2024-02-31', null, null, null, '1'));
    expect(entryProblem(entry, '2025-01-01')).toBe('date must be a calendar date (YYYY-MM-DD)');
  });
});
