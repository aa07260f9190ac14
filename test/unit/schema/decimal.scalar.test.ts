import { Kind, parseValue as parseLiteralText } from 'graphql';
import { DecimalScalar, canonicalDecimal } from '../../../src/schema/decimal.scalar';

const literal = (text: string) => DecimalScalar.parseLiteral(parseLiteralText(text), undefined);

describe('Decimal scalar', () => {
  it('takes JSON numbers from their decimal text and strings exactly', () => {
    expect(DecimalScalar.parseValue(10)).toBe('10');
    expect(DecimalScalar.parseValue(12.5)).toBe('12.5');
    expect(DecimalScalar.parseValue(-0.1)).toBe('-0.1');
    expect(DecimalScalar.parseValue(123456789012345)).toBe('123456789012345');
    expect(DecimalScalar.parseValue('12345678901234567.1234567891')).toBe(
      '12345678901234567.1234567891',
    );
    expect(DecimalScalar.parseValue(' 12.50 ')).toBe('12.5');
    expect(DecimalScalar.parseValue('-0')).toBe('0');
    expect(DecimalScalar.parseValue('007.000')).toBe('7');
  });

  it('takes a literal from its own text, so no digit passes through a double', () => {
    expect(literal('10')).toBe('10');
    expect(literal('0.1')).toBe('0.1');
    // 19 significant digits: a double would have made this 12345678.12345679.
    expect(literal('12345678.12345678901')).toBe('12345678.12345678901');
    expect(literal('"99.990"')).toBe('99.99');
  });

  it.each([
    ['exponent as string', '1e3', /no exponent/],
    ['NaN', 'NaN', /no exponent, NaN or Infinity/],
    ['Infinity', 'Infinity', /NaN or Infinity/],
    ['hex', '0x10', /digits/],
    ['empty', '', /digits/],
    ['plus sign', '+5', /digits/],
    ['comma', '1,5', /digits/],
    ['two points', '1.2.3', /digits/],
    ['trailing point', '5.', /digits/],
  ])('refuses a string that is not plain digits: %s', (_name, text, message) => {
    expect(() => DecimalScalar.parseValue(text)).toThrow(message);
  });

  it('refuses numbers that a JSON number cannot carry exactly, and non-numbers', () => {
    expect(() => DecimalScalar.parseValue(Number.NaN)).toThrow(/finite/);
    expect(() => DecimalScalar.parseValue(Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => DecimalScalar.parseValue(1e21)).toThrow(/send it as a string/);
    expect(() => DecimalScalar.parseValue(1e-7)).toThrow(/send it as a string/);
    // 0.1 + 0.2: 17 significant digits, not what the client meant to write.
    expect(() => DecimalScalar.parseValue(0.1 + 0.2)).toThrow(/more than 15 significant digits/);
    expect(() => DecimalScalar.parseValue(Number('12345678901234567890'))).toThrow(
      /significant digits/,
    );
    for (const value of [true, null, {}, [], undefined]) {
      expect(() => DecimalScalar.parseValue(value)).toThrow(/number or a string/);
    }
  });

  it('refuses literals with an exponent and literals of other kinds', () => {
    expect(() => literal('1e3')).toThrow(/has an exponent/);
    expect(() => literal('1.5E-2')).toThrow(/has an exponent/);
    expect(() => literal('true')).toThrow(/number or a string/);
    expect(() => literal('[1]')).toThrow(/number or a string/);
    expect(() => DecimalScalar.parseLiteral({ kind: Kind.NULL } as never, undefined)).toThrow(
      /number or a string/,
    );
  });

  it('answers plain strings, never an exponent', () => {
    // decimal.js writes 1e-8 from toString(); toFixed() is plain.
    const prismaLike = { toFixed: () => '0.00000001', toString: () => '1e-8' };
    expect(DecimalScalar.serialize(prismaLike)).toBe('0.00000001');
    expect(DecimalScalar.serialize(1e-7)).toBe('0.0000001');
    expect(DecimalScalar.serialize(1e21)).toBe('1000000000000000000000');
    expect(DecimalScalar.serialize('10.5000000000')).toBe('10.5');
    expect(() => DecimalScalar.serialize('abc')).toThrow(/cannot represent/);
    expect(() => DecimalScalar.serialize(Number.NaN)).toThrow(/cannot represent/);
  });

  it('writes one canonical text per value', () => {
    expect(canonicalDecimal('-0.000')).toBe('0');
    expect(canonicalDecimal('0.50')).toBe('0.5');
    expect(canonicalDecimal('-000123.4500')).toBe('-123.45');
    expect(canonicalDecimal('0')).toBe('0');
  });
});
