/** One parsed CSV record with its 1-based line number in the source. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Longest physical line accepted, in UTF-16 code units. A brokerage export line is a
 * few hundred characters at most; anything near this is not a transaction list.
 */
export const MAX_CSV_LINE_LENGTH = 8_192;

/** Limits of one {@link parseCsv} call. */
export interface CsvLimits {
  /** Most records (the header included) before parsing stops with an error. */
  maxRecords?: number;
  /** Longest physical line; {@link MAX_CSV_LINE_LENGTH} unless given. */
  maxLineLength?: number;
}

/** Why a CSV could not be read. */
export type CsvProblem = 'unterminated quote' | 'line too long' | 'too many records';

/** A CSV that cannot be read; `line` is the 1-based line at fault. */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly kind: CsvProblem,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvError';
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** The characters String.prototype.trim removes (WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally double-quoted ("" escapes a quote,
 * quoted fields may hold commas and line breaks), CRLF or LF line ends. A quote opens a
 * quoted field only where the field so far is blank; elsewhere it is a literal
 * character. Empty lines are skipped. One pass over the text, fields sliced out of it,
 * so the time is linear in its length whatever its shape.
 *
 * @throws CsvError for an unterminated quote, a line longer than `limits.maxLineLength`
 * or more records than `limits.maxRecords`, naming the line.
 */
export function parseCsv(text: string, limits: CsvLimits = {}): CsvRecord[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const length = source.length;
  const maxRecords = limits.maxRecords ?? Infinity;
  const maxLineLength = limits.maxLineLength ?? MAX_CSV_LINE_LENGTH;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  // The current field is `parts` (quoted pieces already cut) followed by source[start, i).
  let parts: string[] = [];
  let start = 0;
  // Whether the current field so far would trim to '' (where a quote may open a field).
  let blank = true;
  let line = 1;
  let recordLine = 1;
  let lineStart = 0;
  let i = 0;

  const takeField = (end: number) => {
    const run = source.slice(start, end);
    let value = run;
    if (parts.length > 0) {
      parts.push(run);
      value = parts.join('');
      parts = [];
    }
    fields.push(value);
    blank = true;
  };
  const endRecord = () => {
    if (!(fields.length === 1 && fields[0].trim() === '')) {
      if (records.length >= maxRecords) {
        throw new CsvError(recordLine, 'too many records', `more than ${maxRecords} records`);
      }
      records.push({ line: recordLine, fields });
    }
    fields = [];
  };
  // Line ends do not count towards a line's length.
  const checkLength = (c: number) => {
    if (i - lineStart >= maxLineLength && c !== LF && c !== CR) {
      throw new CsvError(line, 'line too long', `longer than ${maxLineLength} characters`);
    }
  };

  while (i < length) {
    const c = source.charCodeAt(i);
    checkLength(c);
    if (c === COMMA) {
      takeField(i);
      i += 1;
      start = i;
    } else if (c === LF || c === CR) {
      takeField(i);
      endRecord();
      i += c === CR && source.charCodeAt(i + 1) === LF ? 2 : 1;
      line += 1;
      recordLine = line;
      lineStart = i;
      start = i;
    } else if (c === QUOTE && blank) {
      // The blank text before the opening quote is dropped, as are earlier blank pieces.
      parts = [];
      i += 1;
      let piece = i;
      for (;;) {
        if (i >= length)
          throw new CsvError(recordLine, 'unterminated quote', 'unterminated quoted field');
        const q = source.charCodeAt(i);
        checkLength(q);
        if (q === QUOTE) {
          if (source.charCodeAt(i + 1) === QUOTE) {
            parts.push(source.slice(piece, i + 1));
            blank = false;
            i += 2;
            piece = i;
            continue;
          }
          parts.push(source.slice(piece, i));
          i += 1;
          break;
        }
        if (q === LF) {
          line += 1;
          lineStart = i + 1;
        }
        if (blank && !isSpace(q)) blank = false;
        i += 1;
      }
      start = i;
    } else {
      if (blank && !isSpace(c)) blank = false;
      i += 1;
    }
  }
  if (parts.length > 0 || start < length || fields.length > 0) {
    takeField(length);
    endRecord();
  }
  return records;
}
