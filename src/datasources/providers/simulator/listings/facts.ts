/**
 * What a data module says about one listing: identity facts only (who it is, where it
 * trades, in what currency). Every number the simulator serves for it is synthetic and
 * drawn from its symbol (see `synthetic.ts`).
 */
export interface ListingFacts {
  symbol: string;
  name: string;
  /** NYSE, NASDAQ, NYSE ARCA, CBOE or NSE; indices: INDEX. */
  exchange: string;
  sector: string;
  /** Yahoo / FMP style industry ('Banks—Diversified'); 'Exchange Traded Fund', 'Index'. */
  industry: string;
  /** ISO 3166 alpha-2 of the headquarters (or domicile, for a fund or an index). */
  country: string;
  /** ISO 4217 trading currency. */
  currency: string;
  /** '' when not known reliably. */
  website: string;
}

// The sector vocabulary of the simulator (Yahoo / FMP names). GICS sectors map onto it:
// Information Technology → Technology, Health Care → Healthcare, Financials → Financial
// Services, Consumer Discretionary → Consumer Cyclical, Consumer Staples → Consumer
// Defensive, Materials → Basic Materials; the others keep their names.
export const T = 'Technology';
export const H = 'Healthcare';
export const F = 'Financial Services';
export const CD = 'Consumer Cyclical';
export const CS = 'Consumer Defensive';
export const E = 'Energy';
export const I = 'Industrials';
export const C = 'Communication Services';
export const M = 'Basic Materials';
export const U = 'Utilities';
export const R = 'Real Estate';

/** Every sector of the vocabulary. */
export const SECTORS: readonly string[] = [T, H, F, CD, CS, E, I, C, M, U, R];

/** A listing as a data module writes it: symbol, name, exchange, sector, industry, country, website. */
export type FactsRow = [
  symbol: string,
  name: string,
  exchange: string,
  sector: string,
  industry: string,
  country: string,
  website: string,
];

/** The facts of a row, traded in `currency`. */
export function factsOf(
  [symbol, name, exchange, sector, industry, country, website]: FactsRow,
  currency: string,
): ListingFacts {
  return { symbol, name, exchange, sector, industry, country, currency, website };
}
