/** Longest symbol accepted (after trimming). */
export const MAX_SYMBOL_LENGTH = 12;

/** Most symbols accepted in one list argument. */
export const MAX_SYMBOLS_PER_REQUEST = 100;

// Letters and digits, with the separators real tickers use: BRK.B, BF-B, ^GSPC, EURUSD=X,
// and NSE's M&M.
const SYMBOL_PATTERN = /^[A-Z0-9^][A-Z0-9.\-=^&]*$/;

/** Why a symbol was refused. */
export type SymbolProblem = 'empty' | 'too long' | 'invalid characters';

/** Trims and upper-cases a symbol; returns the problem instead when it is not one. */
export function normalizeSymbol(raw: string): { symbol: string } | { problem: SymbolProblem } {
  const symbol = raw.trim().toUpperCase();
  if (symbol.length === 0) return { problem: 'empty' };
  if (symbol.length > MAX_SYMBOL_LENGTH) return { problem: 'too long' };
  if (!SYMBOL_PATTERN.test(symbol)) return { problem: 'invalid characters' };
  return { symbol };
}
