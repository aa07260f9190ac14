/** Plan names, as stored on a user. */
export const PLAN_NAMES = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/** The limits of one plan. `null` means unlimited. */
export interface PlanLimits {
  name: PlanName;
  requestsPerMinute: number;
  /**
   * Extra requests a minute may take past `requestsPerMinute`, drawn from an allowance
   * of this many that refills evenly over an hour (0: none).
   */
  burst: number;
  requestsPerDay: number | null;
  maxQueryCost: number;
  websocketConnections: number;
  symbolsSubscribed: number;
  /** Minutes by which quotes are delayed; 0 is real time. */
  quoteDelayMinutes: number;
  /** Longest `history` range one request may ask, in days. */
  historyDays: number;
  /**
   * The account's share of the providers' budgets: cache misses that may reach a provider
   * in any minute (a batch of symbols is one). Past it the field answers RATE_LIMITED
   * (`extensions.budget: "upstreamLookups"`); cached data still answers.
   */
  upstreamLookupsPerMinute: number;
}

/** The default plans of the public contract (PRODUCT.md, "Plans"). */
export const DEFAULT_PLANS: Readonly<Record<PlanName, PlanLimits>> = {
  FREE: {
    name: 'FREE',
    upstreamLookupsPerMinute: 120,
    historyDays: 366,
    requestsPerMinute: 60,
    burst: 30,
    requestsPerDay: 1_000,
    maxQueryCost: 500,
    websocketConnections: 1,
    symbolsSubscribed: 10,
    quoteDelayMinutes: 15,
  },
  BASIC: {
    name: 'BASIC',
    upstreamLookupsPerMinute: 600,
    historyDays: 5 * 366,
    requestsPerMinute: 300,
    burst: 150,
    requestsPerDay: 20_000,
    maxQueryCost: 2_000,
    websocketConnections: 3,
    symbolsSubscribed: 50,
    quoteDelayMinutes: 0,
  },
  PRO: {
    name: 'PRO',
    upstreamLookupsPerMinute: 2_400,
    historyDays: 10 * 366,
    requestsPerMinute: 1_200,
    burst: 600,
    requestsPerDay: 200_000,
    maxQueryCost: 5_000,
    websocketConnections: 10,
    symbolsSubscribed: 500,
    quoteDelayMinutes: 0,
  },
  ENTERPRISE: {
    name: 'ENTERPRISE',
    upstreamLookupsPerMinute: 12_000,
    historyDays: 10 * 366,
    requestsPerMinute: 6_000,
    burst: 3_000,
    requestsPerDay: null,
    maxQueryCost: 20_000,
    websocketConnections: 100,
    symbolsSubscribed: 5_000,
    quoteDelayMinutes: 0,
  },
};
