import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DECIMAL_INTEGER_DIGITS, DECIMAL_FRACTION_DIGITS } from '../domain/decimals';

/**
 * The most significant digits a JSON number can carry exactly: every decimal of up to 15
 * significant digits survives the trip through a binary double and back to its shortest
 * text. A longer number may already have been rounded by the JSON parser before the
 * gateway sees it, so it is refused and the client is asked for a string.
 */
export const EXACT_NUMBER_DIGITS = 15;

// Plain notation only: no exponent, no "NaN", no "Infinity", no "+", no spaces.
const PLAIN = /^-?\d+(?:\.\d+)?$/;

/** The decimal text of `value`, or throws why it is not one. */
function decimalText(value: unknown): string {
  if (typeof value === 'string') {
    // Surrounding spaces were accepted when these fields were strings; they still are.
    const text = value.trim();
    if (!PLAIN.test(text)) {
      throw new TypeError(
        `Decimal must be digits with an optional sign and "." (no exponent, NaN or Infinity); got ${JSON.stringify(value.slice(0, 40))}`,
      );
    }
    return text;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Decimal must be finite; got ${value}`);
    const text = String(value);
    if (!PLAIN.test(text)) {
      throw new TypeError(
        `Decimal ${text} is too large or too small to send as a JSON number; send it as a string of digits`,
      );
    }
    const significant = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
    if (significant > EXACT_NUMBER_DIGITS) {
      throw new TypeError(
        `Decimal ${text} has more than ${EXACT_NUMBER_DIGITS} significant digits, which a JSON number cannot carry exactly; send it as a string`,
      );
    }
    return text;
  }
  throw new TypeError(`Decimal must be a number or a string; got ${typeof value}`);
}

/** The decimal a literal writes: its own text, so that no digit is lost to a double. */
function literalText(ast: ValueNode): string {
  if (ast.kind === Kind.STRING) return decimalText(ast.value);
  if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) {
    if (!PLAIN.test(ast.value)) {
      throw new TypeError(
        `Decimal ${ast.value} has an exponent; write its digits (e.g. 1500 for 1.5e3)`,
      );
    }
    return ast.value;
  }
  throw new TypeError(`Decimal must be a number or a string; got a ${ast.kind.toLowerCase()}`);
}

/** Plain decimal text of what a resolver answers: a string, a number or a Prisma Decimal. */
function outputText(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Plain notation even where String() would write an exponent (1e-7, 1e21).
    return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  }
  // Prisma's Decimal (decimal.js): toFixed() without digits never writes an exponent.
  const fixed = (value as { toFixed?: () => unknown } | null)?.toFixed;
  const text =
    typeof value === 'string'
      ? value.trim()
      : typeof fixed === 'function'
        ? String(fixed.call(value))
        : '';
  if (!PLAIN.test(text)) throw new TypeError(`Decimal cannot represent ${String(value)}`);
  return text;
}

/** "-0.50" → "-0.5", "007" → "7", "-0" → "0": one text per value. */
export function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-');
  const [integer, fraction = ''] = text.replace(/^-/, '').split('.');
  const whole = integer.replace(/^0+(?=\d)/, '');
  const part = fraction.replace(/0+$/, '');
  const body = part ? `${whole}.${part}` : whole;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

/**
 * An exact decimal: money, quantities, ratios. Input is a JSON number or a string
 * (strings exactly; numbers from their decimal text); output is always a string.
 * Syntax is checked here; how many digits a field may hold is checked where it is
 * stored, naming the field (18 before the point and 10 after for ledger entries).
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: `An exact decimal, answered as a string ("12.5"). Input: a JSON number (up to ${EXACT_NUMBER_DIGITS} significant digits) or a string of digits with an optional sign and "."; no exponent, NaN or Infinity. Ledger fields hold ${DECIMAL_INTEGER_DIGITS} digits before the point and ${DECIMAL_FRACTION_DIGITS} after; more is refused, never rounded.`,
  serialize: (value) => canonicalDecimal(outputText(value)),
  parseValue: (value) => canonicalDecimal(decimalText(value)),
  parseLiteral: (ast) => canonicalDecimal(literalText(ast)),
});
