/** Longest symbol accepted (after trimming). */
export const MAX_SYMBOL_LENGTH = 12;

/** Most symbols accepted in one list argument. */
export const MAX_SYMBOLS_PER_REQUEST = 100;

/**
 * An NSE series code (two letters or digits) after a broker's symbol: INFY-BE,
 * SGBMAR29-GB. Not part of the symbol; a hyphen of the symbol itself stays (BAJAJ-AUTO,
 * BF-B).
 */
export const NSE_SERIES_SUFFIX = /-[A-Z0-9]{2}$/i;

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
