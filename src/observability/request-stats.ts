import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request spent, for usage metering. */
export interface RequestStats {
  /** The operation's query cost. */
  cost: number;
  /** Market-data lookups answered from cache (fresh hits and coalesced ones). */
  cacheHits: number;
  /** The response cache's key of the HTTP request body as sent (POSTed JSON only). */
  requestKey?: string;
}

/**
 * The stats of the request being served, reachable from deep in the data layer without
 * threading them through every call: DataLoader batches run in the async context of
 * the request that scheduled them.
 */
export const requestStats = new AsyncLocalStorage<RequestStats>();
