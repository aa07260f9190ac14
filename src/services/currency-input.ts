import { normalizeCurrency } from '../domain/fx';
import { BadUserInputError } from '../errors/errors';

/**
 * The normalised currency code (trimmed, upper-cased), or BAD_USER_INPUT naming the
 * argument, so that no upstream call is ever made for a malformed code.
 */
export function requireCurrency(raw: string, argument: string): string {
  const currency = normalizeCurrency(raw);
  if (currency) return currency;
  throw new BadUserInputError(
    `Invalid currency ${JSON.stringify(raw.slice(0, 16))} for ${argument}: an ISO 4217 code is three letters, such as EUR`,
    { argument, problem: 'not an ISO 4217 code' },
  );
}
