import { MAX_PASSWORD_LENGTH } from './passwords';
import { MAX_TRANSACTIONS_PAGE } from './query-prices';
import { MAX_SYMBOL_LENGTH, MAX_SYMBOLS_PER_REQUEST } from './symbols';

/**
 * The allowed range of one argument: the value of an Int, the length of a list, or the
 * length of a string (after trimming, with `trim`).
 */
export interface ArgumentBound {
  min: number;
  max: number;
  trim?: boolean;
}

/**
 * Every bounded argument of the schema, one table so that the README, the resolvers and
 * the pre-execution check (src/server/argument-bounds.ts) cannot disagree. Strings whose
 * content is checked further (symbols, emails, currencies) are also checked there.
 */
export const ARGUMENT_LIMITS = {
  /** searchCompanies(limit:): results per search. */
  searchLimit: { min: 1, max: 50 },
  /** searchCompanies(query:): trimmed text searched for. */
  searchQuery: { min: 1, max: 64, trim: true },
  /** company(symbol:), quote(symbol:), metrics(benchmark:). */
  symbol: { min: 1, max: MAX_SYMBOL_LENGTH, trim: true },
  /** companies(symbols:), quotes(symbols:). */
  symbols: { min: 0, max: MAX_SYMBOLS_PER_REQUEST },
  /** Subscription quotes(symbols:): at least one. */
  liveSymbols: { min: 1, max: MAX_SYMBOLS_PER_REQUEST },
  /** financials(limit:): 5 fiscal years or 8 quarters are kept. */
  financialsLimit: { min: 1, max: 8 },
  /** throttleMs of both subscriptions: at most a minute between events. */
  throttleMs: { min: 0, max: 60_000 },
  /** rotateApiKey(gracePeriodSeconds:): at most 30 days. */
  gracePeriodSeconds: { min: 0, max: 30 * 86_400 },
  /** createApiKey(name:). */
  keyName: { min: 1, max: 64, trim: true },
  /** createApiKey(scopes:): the five scopes, repeated at most twice each. */
  scopes: { min: 0, max: 10 },
  /** createApiKey(allowedIps:): addresses or CIDR blocks. */
  allowedIps: { min: 0, max: 100 },
  /** createPortfolio(name:), renamePortfolio(name:). */
  portfolioName: { min: 1, max: 100, trim: true },
  /** createPortfolio(baseCurrency:), fxRate(from:, to:): an ISO 4217 code. */
  currency: { min: 3, max: 3, trim: true },
  /** register(email:), login(email:): RFC 5321's longest address. */
  email: { min: 3, max: 254, trim: true },
  /** register(password:), login(password:): what register accepts bounds login's work. */
  password: { min: 1, max: MAX_PASSWORD_LENGTH },
  /** Portfolio.transactions(first:): entries per page. */
  transactionsFirst: { min: 1, max: MAX_TRANSACTIONS_PAGE },
  /** Portfolio.transactions(after:): one of our cursors is far shorter. */
  cursor: { min: 1, max: 200 },
  /** refreshToken(refreshToken:), logout(refreshToken:). */
  refreshToken: { min: 1, max: 512 },
  /** securityEvents(first:): events per page. */
  securityEventsFirst: { min: 1, max: 500 },
  /** securityEvents(ip:), unblock(ip:): an IPv6 address is at most 45 characters. */
  address: { min: 1, max: 64, trim: true },
  /** completeBrokerConnection(state:): ours are 32 characters. */
  brokerState: { min: 1, max: 128 },
  /** completeBrokerConnection(requestToken:): a broker's request token or code. */
  brokerCode: { min: 1, max: 512 },
  /** unblock(apiKeyId:): a UUID. */
  apiKeyId: { min: 1, max: 64, trim: true },
} as const satisfies Record<string, ArgumentBound>;
