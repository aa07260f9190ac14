import fc from 'fast-check';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
  type GraphQLNamedInputType,
} from 'graphql';

/** An argument value, as a GraphQL literal and as the JSON a variable would carry. */
export interface InputValue {
  literal: string;
  json: unknown;
}

const value = (json: unknown): InputValue => ({ literal: literalOf(json), json });

/** An enum value: a bare name as a literal, a string in JSON. */
class EnumName {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** Renders JSON as a GraphQL literal; strings keep JSON escapes, which GraphQL shares. */
function literalOf(json: unknown): string {
  if (json === null || json === undefined) return 'null';
  if (json instanceof EnumName) return json.name;
  if (Array.isArray(json)) return `[${json.map(literalOf).join(', ')}]`;
  if (typeof json === 'object') {
    const fields = Object.entries(json).map(([k, v]) => `${k}: ${literalOf(v)}`);
    return `{${fields.join(', ')}}`;
  }
  if (typeof json === 'number' && !Number.isFinite(json)) return String(json);
  return JSON.stringify(json);
}

// Numbers at and past every boundary a resolver or a driver might trip on: 32-bit Int,
// 2^53 (the last exact double), floats that overflow, underflow or are not integers.
const EXTREME_NUMBERS = [
  0,
  -0,
  1,
  -1,
  10,
  100,
  2147483647,
  -2147483648,
  2147483648,
  -2147483649,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 + 2,
  1e21,
  1e100,
  1e308,
  -1e308,
  5e-324,
  1.5,
  -0.5,
  999999999999,
];

const extremeString = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '   \t\n ',
      'NaN',
      'Infinity',
      '-1',
      '1e400',
      'AAPL',
      'KO',
      'ko',
      'SPY',
      'BRK.B',
      'RELIANCE.NS',
      'null',
      '\u0000',
      '%00',
      "'; DROP TABLE users; --",
      '../../../etc/passwd',
      '<script>alert(1)</script>',
      '\ud83d\ude80',
      '2024-01-02',
      '2024-02-30',
      '1900-01-01',
      '9999-12-31',
      '2030-01-01T00:00:00.000Z',
      '123.4567890123456789',
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 20_000 }).map((n) => 'A'.repeat(n)) },
);

/** Values a resolver accepts: listed symbols, dates in the simulated market's range. */
const plausibleString = fc.constantFrom(
  'AAPL',
  'KO',
  'MSFT',
  'SPY',
  'NVDA',
  'JNJ',
  '2024-01-02',
  '2023-06-30',
  '2025-01-01T00:00:00.000Z',
);

const INT_RANGE = { min: -2147483648, max: 2147483647 };

/** Numbers a GraphQL Int accepts: its bounds and around zero. */
const extremeInt = fc.oneof(
  fc.constantFrom(...EXTREME_NUMBERS.filter((n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31)),
  fc.integer(INT_RANGE),
);

const extremeNumber = fc.oneof(
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON-ish value: what a wrong-typed argument or variable carries. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  extremeNumber,
  extremeString,
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([]),
  fc.constant({ nope: 1 }),
  fc.constant([[['deep']]]),
);

/**
 * Whether values may be of the wrong type (a validation error) or only of the right
 * type at its extremes (what reaches resolvers).
 */
export type Mistakes = boolean;

function namedValue(
  type: GraphQLNamedInputType,
  depth: number,
  mistakes: Mistakes,
): fc.Arbitrary<unknown> {
  if (isEnumType(type)) {
    const valid = fc.constantFrom(...type.getValues().map((v) => new EnumName(v.name)));
    if (!mistakes) return valid;
    return fc.oneof(
      { weight: 4, arbitrary: valid },
      { weight: 1, arbitrary: fc.constantFrom(new EnumName('NOPE'), 'ANNUAL', '') },
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (depth <= 0) return fc.constant({});
    const entries = fields.map((f) => {
      const entry = jsonFor(f.type, depth - 1, mistakes).map((v) => [f.name, v] as const);
      return !mistakes && isNonNullType(f.type) ? entry : fc.option(entry, { freq: 4 });
    });
    return fc
      .tuple(fc.tuple(...entries), mistakes ? fc.boolean() : fc.constant(false))
      .map(([pairs, unknown]) => ({
        ...Object.fromEntries(pairs.filter((p) => p !== null)),
        ...(unknown ? { notAField: 1 } : {}),
      }));
  }
  switch (type.name) {
    case 'Int':
      return mistakes ? extremeNumber : extremeInt;
    case 'Float':
      return extremeNumber;
    case 'Boolean':
      return fc.boolean();
    default:
      // String, ID and string-shaped scalars (Date, DateTimeISO, Decimal). Without
      // mistakes, plausible values half the time, so that resolvers run past their checks.
      return mistakes
        ? extremeString
        : fc.oneof(
            { weight: 1, arbitrary: plausibleString },
            { weight: 1, arbitrary: extremeString },
          );
  }
}

/** A JSON value for `type`: of its shape at its extremes, and with mistakes sometimes not. */
export function jsonFor(
  type: GraphQLInputType,
  depth = 2,
  mistakes: Mistakes = true,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return jsonFor(type.ofType, depth, mistakes);
  if (isListType(type)) {
    const item = jsonFor(type.ofType, depth - 1, mistakes);
    const many = fc
      .tuple(item, fc.integer({ min: 90, max: 400 }))
      .map(([v, n]) => Array(n).fill(v) as unknown[]);
    return fc.oneof(
      { weight: 6, arbitrary: fc.array(item, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant([]) },
      // A single item for a list (GraphQL coerces it), and many: past the 100-symbol caps.
      { weight: 1, arbitrary: item },
      { weight: 1, arbitrary: many },
      { weight: mistakes ? 1 : 0, arbitrary: item.map((v) => [[v]]) },
    );
  }
  const valid = namedValue(type, depth, mistakes);
  if (!mistakes) return valid;
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: wrongValue });
}

/** An inline argument value for `type`. */
export function inputValueFor(
  type: GraphQLInputType,
  mistakes: Mistakes,
): fc.Arbitrary<InputValue> {
  return jsonFor(type, 2, mistakes).map(value);
}

/** A JSON value of any shape, for variables sent with the wrong JSON type. */
export const anyJson = wrongValue;
