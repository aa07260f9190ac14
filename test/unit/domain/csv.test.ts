import fc from 'fast-check';
import { CsvError, MAX_CSV_LINE_LENGTH, parseCsv, type CsvRecord } from '../../../src/domain/csv';

// The parser this one replaced (quadratic on quotes after text), kept as the oracle of
// its semantics for inputs small enough for it.
function previousParseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === ''))
      records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < source.length) {
    const c = source[i];
    if (quoted) {
      if (c === '"') {
        if (source[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new Error(`line ${recordLine}: unterminated quoted field`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const outcome = (parse: (text: string) => CsvRecord[], text: string) => {
  try {
    return { records: parse(text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

/** Runs `parse` and returns how long it took, in milliseconds. */
function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const MEGABYTE = 1024 * 1024;
// The previous parser took minutes on these; a linear one takes milliseconds. The bound
// is generous so that a loaded machine does not fail it.
const GENEROUS_MS = 2_000;

/** `unit` repeated to about a megabyte, in lines of at most `lineLength` characters. */
function megabyteOf(unit: string, lineLength = MAX_CSV_LINE_LENGTH): string {
  const perLine = Math.max(1, Math.floor(lineLength / unit.length));
  const line = unit.repeat(perLine);
  return Array.from({ length: Math.ceil(MEGABYTE / line.length) }, () => line).join('\n');
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks, CRLF and LF', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\n\n  \nlast,,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 6, fields: ['last', '', ''] },
    ]);
  });

  it('opens a quote only where the field is blank so far; elsewhere a quote is text', () => {
    expect(parseCsv('  "a,b"  ,x"y"z,"a"b"c"')[0].fields).toEqual(['a,b  ', 'x"y"z', 'ab"c"']);
    expect(parseCsv('"" "x",""')[0].fields).toEqual(['x', '']);
  });

  it('names the line of an unterminated quote', () => {
    expect(() => parseCsv('a\nb,"open\nstill')).toThrow('line 2: unterminated quoted field');
    expect(() => parseCsv('a\nb,"open\nstill')).toThrow(CsvError);
  });

  it('refuses a line longer than MAX_CSV_LINE_LENGTH, naming it, and takes one that long', () => {
    const longest = 'x'.repeat(MAX_CSV_LINE_LENGTH);
    expect(parseCsv(`a\r\n${longest}\r\nb`)).toHaveLength(3);
    expect(() => parseCsv(`a\nb\n${longest}y\nc`)).toThrow(
      `line 3: longer than ${MAX_CSV_LINE_LENGTH} characters`,
    );
    // Inside a quoted field the limit holds per physical line, and names that line.
    const inQuotes = `"${longest.slice(1)}\n${longest.slice(1)}"`;
    expect(parseCsv(inQuotes)[0].fields[0]).toHaveLength(2 * MAX_CSV_LINE_LENGTH - 1);
    expect(() => parseCsv(`a\n"x\n${longest}"`)).toThrow('line 3: longer than');
  });

  it('stops at maxRecords + 1, naming the line, not counting blank lines', () => {
    expect(parseCsv('a\n\nb\n\n', { maxRecords: 2 })).toHaveLength(2);
    let error: unknown;
    try {
      parseCsv('a\n\nb\n\nc\nd', { maxRecords: 2 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CsvError);
    expect(error).toMatchObject({ line: 5, kind: 'too many records' });
  });

  it('agrees with the previous parser on every input of CSV-significant characters', () => {
    const alphabet = fc.constantFrom('"', ',', '\n', '\r', ' ', '\t', 'a', 'b', '\u00a0', '\uFEFF');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(outcome(parseCsv, text)).toEqual(outcome(previousParseCsv, text));
      }),
      { numRuns: 3_000 },
    );
  });

  // Without the line limit, so that the parser itself is measured: the previous one took
  // minutes on the first shape.
  describe('takes linear time, without a line limit, on a megabyte on one line of', () => {
    it.each([
      ['quotes after text', 'a"'.repeat(MEGABYTE / 2)],
      ['escaped quotes in one quoted field', `"${'""'.repeat(MEGABYTE / 2)}"`],
      ['empty quoted fields', '"",'.repeat(MEGABYTE / 3)],
      ['commas', ','.repeat(MEGABYTE)],
      ['blank-then-quote fields', ' "a" ,'.repeat(MEGABYTE / 6)],
      ['text then one quote each field', 'abc",'.repeat(MEGABYTE / 5)],
    ])('%s', (_shape, text) => {
      let records: CsvRecord[] = [];
      const ms = timed(() => (records = parseCsv(text, { maxLineLength: Infinity })));
      expect(records).toHaveLength(1);
      expect(ms).toBeLessThan(GENEROUS_MS);
    });
  });

  describe('takes linear time on a megabyte, in lines under the limit, of', () => {
    it.each([
      ['quotes after text', megabyteOf('a"')],
      ['escaped quotes in one quoted field', `"${megabyteOf('""', MAX_CSV_LINE_LENGTH - 2)}"`],
      ['empty quoted fields', megabyteOf('"",')],
      ['commas', megabyteOf(',')],
      ['newlines', '\n'.repeat(MEGABYTE)],
      ['CRLFs', '\r\n'.repeat(MEGABYTE / 2)],
      ['lone CRs', '\r'.repeat(MEGABYTE)],
      ['blank-then-quote fields', megabyteOf(' "a" ,')],
    ])('%s', (_shape, text) => {
      expect(text.length).toBeGreaterThanOrEqual(MEGABYTE - MAX_CSV_LINE_LENGTH);
      const ms = timed(() => parseCsv(text));
      expect(ms).toBeLessThan(GENEROUS_MS);
    });
  });

  describe('refuses fast, as an over-long line 1, a megabyte on one line of', () => {
    it.each([
      ['quotes after text', 'a"'.repeat(MEGABYTE / 2)],
      ['escaped quotes', `"${'""'.repeat(MEGABYTE / 2)}"`],
      ['commas', ','.repeat(MEGABYTE)],
      ['text', 'x'.repeat(MEGABYTE)],
    ])('%s', (_shape, text) => {
      const ms = timed(() => expect(() => parseCsv(text)).toThrow('line 1: longer than'));
      expect(ms).toBeLessThan(GENEROUS_MS);
    });
  });
});
