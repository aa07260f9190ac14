import { BadUserInputError } from '../../../src/errors/errors';
import { requireSymbol, requireSymbols } from '../../../src/services/symbol-input';

function errorOf(fn: () => unknown): BadUserInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('symbol input', () => {
  it('trims and upper-cases, keeping real ticker punctuation', () => {
    expect(requireSymbol('  aapl ')).toBe('AAPL');
    expect(requireSymbols(['brk.b', 'BF-B', '^gspc', 'eurusd=x', 'm&m', 'bajaj-auto'])).toEqual([
      'BRK.B',
      'BF-B',
      '^GSPC',
      'EURUSD=X',
      'M&M',
      'BAJAJ-AUTO',
    ]);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['ABCDEFGHIJKLM', 'too long'],
    ['AA PL', 'invalid characters'],
    ["AAPL'; DROP", 'invalid characters'],
    ['.AAPL', 'invalid characters'],
    ['&M', 'invalid characters'],
  ])('refuses %j as BAD_USER_INPUT (%s)', (raw, problem) => {
    const error = errorOf(() => requireSymbol(raw));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problem, argument: 'symbol' });
  });

  it('names the index of a bad symbol in a list, and caps lists at 100', () => {
    expect(errorOf(() => requireSymbols(['AAPL', 'B A D'])).extensions).toMatchObject({
      argument: 'symbols[1]',
    });
    const many = Array.from({ length: 101 }, (_, i) => `S${i}`);
    expect(errorOf(() => requireSymbols(many)).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      max: 100,
    });
    expect(requireSymbols(many.slice(0, 100))).toHaveLength(100);
  });
});
