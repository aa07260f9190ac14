/** Digits stored before the decimal point (the columns are NUMERIC(28, 10)). */
export const DECIMAL_INTEGER_DIGITS = 18;

/** Digits stored after the decimal point. */
export const DECIMAL_FRACTION_DIGITS = 10;

// Plain notation only: no exponent, so "1e309", "NaN" and "Infinity" are not numbers here.
const DECIMAL_TEXT = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * Why `text` is not a decimal the ledger can store exactly, or null. More digits than
 * stored are refused, never rounded; leading and trailing zeros do not count.
 */
export function decimalProblem(text: string): string | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return 'is not a number (digits with an optional "." and sign)';
  const integer = match[1].replace(/^0+/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (integer.length > DECIMAL_INTEGER_DIGITS) {
    return `has more than ${DECIMAL_INTEGER_DIGITS} digits before the decimal point`;
  }
  if (fraction.length > DECIMAL_FRACTION_DIGITS) {
    return `has more than ${DECIMAL_FRACTION_DIGITS} digits after the decimal point`;
  }
  return null;
}
