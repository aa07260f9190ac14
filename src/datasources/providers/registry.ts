import type Redis from 'ioredis';
import type { Config, ProviderConfig } from '../../config/env.schema';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { AlphaVantageProvider } from './alphavantage/alphavantage.provider';
import { CircuitBreaker } from './circuit-breaker';
import { DataQuality, type RejectListener } from './data-quality';
import { FinnhubProvider } from './finnhub/finnhub.provider';
import { FmpProvider } from './fmp/fmp.provider';
import { GuardedProvider } from './guarded-provider';
import { PROVIDER_FAILURES, REFUSALS } from './provider-error';
import { HttpClient } from './http-client';
import type { HttpProviderOptions, MarketDataProvider } from './provider';
import { SimulatorProvider } from './simulator/simulator.provider';
import { SymbolListedProvider } from './symbol-list';
import { MemoryBudget, RedisBudget, UNLIMITED, type UpstreamBudget } from './upstream-budget';

/** What the providers are built from. */
export interface ProviderDeps {
  config: Pick<Config, 'providers' | 'providerTimeoutMs' | 'maxDayMove'>;
  /** Shares budgets across replicas; per-process budgets without it. */
  redis: Redis | null;
  logger: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

const HTTP_PROVIDERS = {
  fmp: FmpProvider,
  alphavantage: AlphaVantageProvider,
  finnhub: FinnhubProvider,
} as const;

const LOG_EVERY_MS = 60_000;

// Logs the first rejection of each provider/kind/reason, then at most once a minute
// with the count since, so that one bad series cannot flood the log.
function rejectLogger(provider: string, logger: Logger): RejectListener {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (kind, reason, detail) => {
    const key = `${kind}:${reason}`;
    const seen = last.get(key);
    const now = Date.now();
    if (seen && now - seen.at < LOG_EVERY_MS) {
      seen.suppressed += 1;
      return;
    }
    logger.warn(
      { provider, kind, reason, detail, suppressed: seen?.suppressed ?? 0 },
      'provider data dropped',
    );
    last.set(key, { at: now, suppressed: 0 });
  };
}

function budgetFor(provider: ProviderConfig, deps: ProviderDeps): UpstreamBudget {
  if (provider.rateLimits.length === 0) return UNLIMITED;
  return deps.redis
    ? new RedisBudget(deps.redis, provider.name, provider.rateLimits, deps.logger)
    : new MemoryBudget(provider.rateLimits);
}

/**
 * The providers of MARKET_DATA_PROVIDERS, in order, each behind the data-quality gate
 * and, for the HTTP ones, its own budget, circuit breaker and metrics, and the symbol
 * list it declares (`<NAME>_SYMBOL_LIST`): unlisted symbols are never asked for.
 */
export function createProviders(deps: ProviderDeps): MarketDataProvider[] {
  const { config, metrics } = deps;
  return config.providers.map((provider) => {
    const name = provider.name;
    const logger = deps.logger.child({ provider: name });
    const log = rejectLogger(name, logger);
    const onReject: RejectListener = (kind, reason, detail) => {
      metrics?.dataRejected.inc({ provider: name, kind, reason });
      log(kind, reason, detail);
    };
    const quality = new DataQuality({ maxDayMove: config.maxDayMove, onReject, now: deps.now });
    if (name === 'simulator') {
      return new GuardedProvider(new SimulatorProvider({ now: deps.now }), quality, onReject);
    }
    // Every series of the provider exists from the start, at 0: a rate() over a counter
    // that first appears already at 5 (five failures between two scrapes) sees no
    // increase, and the alert on failures would not fire.
    for (const failure of PROVIDER_FAILURES) {
      if (REFUSALS.includes(failure))
        metrics?.upstreamRefused.inc({ provider: name, reason: failure }, 0);
      else metrics?.upstreamRequests.inc({ provider: name, outcome: failure }, 0);
    }
    metrics?.upstreamRequests.inc({ provider: name, outcome: 'ok' }, 0);
    const http = new HttpClient({
      provider: name,
      timeoutMs: config.providerTimeoutMs,
      breaker: new CircuitBreaker(),
      budget: budgetFor(provider, deps),
      onAttempt: (outcome) => metrics?.upstreamRequests.inc({ provider: name, outcome }),
      onRefused: (reason) => metrics?.upstreamRefused.inc({ provider: name, reason }),
    });
    const options: HttpProviderOptions = {
      apiKey: provider.apiKey ?? '',
      baseUrl: provider.baseUrl ?? '',
      http,
      now: deps.now,
      onInvalid: (kind, count) => {
        for (let i = 0; i < count; i += 1) onReject(kind, 'invalid', 'item failed validation');
      },
    };
    const guarded = new GuardedProvider(new HTTP_PROVIDERS[name](options), quality, onReject);
    return provider.symbolList ? new SymbolListedProvider(guarded, provider.symbolList) : guarded;
  });
}
