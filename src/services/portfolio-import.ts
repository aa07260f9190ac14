import Decimal from 'decimal.js';
import { CsvError, parseCsv, type CsvRecord } from '../domain/csv';
import { isIsoDate } from '../domain/dates';
import { decimalProblem } from '../domain/decimals';
import { TRANSACTION_TYPES, type TransactionType } from '../domain/ledger';
import { normalizeSymbol, NSE_SERIES_SUFFIX } from '../domain/symbols';
import type { NewTransaction } from '../datasources/database/portfolio.repository';

/** CSV layouts `importTransactions` reads. */
export type ImportFormat = 'GENERIC' | 'ZERODHA_TRADEBOOK' | 'ZERODHA_HOLDINGS';

/** A line that could not be imported, and why. */
export interface ImportProblem {
  line: number;
  message: string;
}

/** A parsed line. */
export interface ImportLine {
  line: number;
  entry: NewTransaction;
}

/** Most lines one import may carry. */
export const MAX_IMPORT_LINES = 50_000;

// A cell is quoted back in its problem only up to here: a line may be 8 KB long.
const SHOWN = 40;
const shown = (raw: string) => (raw.length > SHOWN ? `${raw.slice(0, SHOWN)}…` : raw);

function decimalOf(raw: string | undefined, column: string): string | null {
  const text = (raw ?? '').trim().replace(/,/g, '');
  if (text === '') return null;
  const problem = decimalProblem(text);
  if (problem) throw new Error(`${column} "${shown(raw ?? '')}" ${problem}`);
  return new Decimal(text).toString();
}

/** YYYY-MM-DD, or DD-MM-YYYY / DD/MM/YYYY as Zerodha's exports write them; checked to exist. */
function dateOf(raw: string | undefined): string {
  const text = (raw ?? '').trim().slice(0, 10);
  let iso = text;
  const dmy = /^(\d{2})[-/](\d{2})[-/](\d{4})$/.exec(text);
  if (dmy) iso = `${dmy[3]}-${dmy[2]}-${dmy[1]}`;
  if (!isIsoDate(iso)) {
    throw new Error(`date "${shown(raw ?? '')}" is not a date (YYYY-MM-DD)`);
  }
  return iso;
}

function symbolOf(raw: string | undefined): string {
  // Zerodha suffixes some instruments with their series (INFY-BE), which is not part of
  // the symbol; a hyphen of the symbol itself stays (BAJAJ-AUTO, BF-B).
  const result = normalizeSymbol((raw ?? '').trim().replace(NSE_SERIES_SUFFIX, ''));
  if ('problem' in result) throw new Error(`symbol "${shown(raw ?? '')}" is ${result.problem}`);
  return result.symbol;
}

type Reader = (get: (column: string) => string | undefined, today: string) => NewTransaction;

const generic: Reader = (get) => {
  const type = (get('type') ?? '').trim().toUpperCase();
  if (!(TRANSACTION_TYPES as readonly string[]).includes(type)) {
    throw new Error(
      `type "${shown(get('type') ?? '')}" is not one of ${TRANSACTION_TYPES.join(', ')}`,
    );
  }
  const symbolText = (get('symbol') ?? '').trim();
  return {
    type: type as TransactionType,
    date: dateOf(get('date')),
    symbol: symbolText ? symbolOf(symbolText) : null,
    quantity: decimalOf(get('quantity'), 'quantity'),
    price: decimalOf(get('price'), 'price'),
    fee: decimalOf(get('fee'), 'fee') ?? '0',
    amount: decimalOf(get('amount'), 'amount'),
    ratio: decimalOf(get('ratio'), 'ratio'),
    note: (get('note') ?? '').trim().slice(0, 200) || null,
  };
};

const tradebook: Reader = (get) => {
  const side = (get('trade_type') ?? '').trim().toLowerCase();
  if (side !== 'buy' && side !== 'sell')
    throw new Error(`trade_type "${shown(get('trade_type') ?? '')}" is not buy or sell`);
  const tradeId = (get('trade_id') ?? '').trim();
  return {
    type: side === 'buy' ? 'BUY' : 'SELL',
    date: dateOf(get('trade_date')),
    symbol: symbolOf(get('symbol')),
    quantity: decimalOf(get('quantity'), 'quantity'),
    price: decimalOf(get('price'), 'price'),
    fee: '0',
    amount: null,
    ratio: null,
    note: tradeId ? `zerodha trade ${tradeId}`.slice(0, 200) : null,
  };
};

// A holdings export has no dates: each holding becomes a buy at its average cost today.
const holdings: Reader = (get, today) => ({
  type: 'BUY',
  date: today,
  symbol: symbolOf(get('instrument')),
  quantity: decimalOf(get('qty.'), 'Qty.'),
  price: decimalOf(get('avg. cost'), 'Avg. cost'),
  fee: '0',
  amount: null,
  ratio: null,
  note: 'zerodha holdings import',
});

const LAYOUTS: Record<ImportFormat, { reader: Reader; required: string[] }> = {
  GENERIC: { reader: generic, required: ['date', 'type'] },
  ZERODHA_TRADEBOOK: {
    reader: tradebook,
    required: ['symbol', 'trade_date', 'trade_type', 'quantity', 'price'],
  },
  ZERODHA_HOLDINGS: { reader: holdings, required: ['instrument', 'qty.', 'avg. cost'] },
};

const tooMany = (): { lines: ImportLine[]; problems: ImportProblem[] } => ({
  lines: [],
  problems: [{ line: 1, message: `at most ${MAX_IMPORT_LINES} lines per import` }],
});

/**
 * Parses an import: the first non-empty line is the header (column names,
 * case-insensitive, any order). Each data line becomes an entry or a problem naming its
 * line number; a missing required column fails the whole import.
 */
export function parseImport(
  csv: string,
  format: ImportFormat,
  today: string,
): { lines: ImportLine[]; problems: ImportProblem[] } {
  let records: CsvRecord[];
  try {
    // The header and the lines allowed; parsing stops at the first one over, not at the end.
    records = parseCsv(csv, { maxRecords: MAX_IMPORT_LINES + 1 });
  } catch (error) {
    if (!(error instanceof CsvError) || error.kind !== 'too many records') throw error;
    return tooMany();
  }
  if (records.length === 0)
    return { lines: [], problems: [{ line: 1, message: 'the file is empty' }] };
  const [header, ...rows] = records;
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const { reader, required } = LAYOUTS[format];
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    return {
      lines: [],
      problems: [
        { line: header.line, message: `missing column(s) for ${format}: ${missing.join(', ')}` },
      ],
    };
  }
  const lines: ImportLine[] = [];
  const problems: ImportProblem[] = [];
  for (const row of rows) {
    const get = (column: string) => {
      const index = columns.indexOf(column);
      return index >= 0 ? row.fields[index] : undefined;
    };
    try {
      lines.push({ line: row.line, entry: reader(get, today) });
    } catch (error) {
      problems.push({ line: row.line, message: (error as Error).message });
    }
  }
  return { lines, problems };
}
