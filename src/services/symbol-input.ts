import { MAX_SYMBOL_LENGTH, MAX_SYMBOLS_PER_REQUEST, normalizeSymbol } from '../domain/symbols';
import { BadUserInputError } from '../errors/errors';

/**
 * The normalised symbol, or BAD_USER_INPUT naming the argument and what is wrong, so
 * that no upstream call is ever made for a malformed symbol.
 */
export function requireSymbol(raw: string, argument = 'symbol'): string {
  const result = normalizeSymbol(raw);
  if ('symbol' in result) return result.symbol;
  throw new BadUserInputError(
    `Invalid symbol ${JSON.stringify(raw.slice(0, 40))}: ${result.problem} (letters, digits and . - = ^, at most ${MAX_SYMBOL_LENGTH} characters)`,
    { argument, problem: result.problem },
  );
}

/** Normalises every symbol of a list argument, capped at 100; order and duplicates are kept. */
export function requireSymbols(raw: readonly string[], argument = 'symbols'): string[] {
  if (raw.length > MAX_SYMBOLS_PER_REQUEST) {
    throw new BadUserInputError(
      `At most ${MAX_SYMBOLS_PER_REQUEST} symbols per request; got ${raw.length}`,
      {
        argument,
        max: MAX_SYMBOLS_PER_REQUEST,
      },
    );
  }
  return raw.map((symbol, index) => requireSymbol(symbol, `${argument}[${index}]`));
}
