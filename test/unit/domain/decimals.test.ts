import { decimalProblem } from '../../../src/domain/decimals';

describe('decimalProblem', () => {
  it('accepts plain decimals that fit NUMERIC(28, 10), ignoring leading and trailing zeros', () => {
    for (const text of ['0', '-12.5', '999999999999999999.9999999999', '0001.5000000000000', '7']) {
      expect(decimalProblem(text)).toBeNull();
    }
  });

  it('refuses what is not plain notation, naming the problem', () => {
    for (const text of [
      'NaN',
      'Infinity',
      '-Infinity',
      '1e309',
      '0x10',
      '',
      ' 1',
      '1.',
      '.5',
      '+1',
    ]) {
      expect(decimalProblem(text)).toMatch(/is not a number/);
    }
  });

  it('refuses more digits than stored instead of rounding them', () => {
    expect(decimalProblem('1'.repeat(19))).toMatch(/more than 18 digits before/);
    expect(decimalProblem(`0.${'1'.repeat(11)}`)).toMatch(/more than 10 digits after/);
  });

  it('answers a megabyte of digits at once', () => {
    const started = performance.now();
    expect(decimalProblem(`${'9'.repeat(1 << 20)}x`)).toMatch(/is not a number/);
    expect(decimalProblem('9'.repeat(1 << 20))).toMatch(/more than 18 digits/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
