import { UpstreamShare } from '../services/upstream-share';
import type Redis from 'ioredis';
import type { Config } from '../config/env.schema';
import { DatabaseAvailability } from '../datasources/database/availability';
import { MemoryReplayGuard, SharedReplayGuard } from '../datasources/cache/replay-guard';
import { RedisOperationNames } from '../datasources/cache/redis-operation-names';
import { ConnectionRegistry } from '../datasources/cache/connection-registry';
import { SymbolRegistry } from '../datasources/cache/symbol-registry';
import { FinnhubTradeStream } from '../datasources/providers/finnhub/finnhub.stream';
import { RateLimiter } from '../datasources/cache/rate-limiter';
import type { Database } from '../datasources/database/database';
import { ApiKeyRepository } from '../datasources/database/api-key.repository';
import { SessionRepository } from '../datasources/database/session.repository';
import { LoginThrottleRepository } from '../datasources/database/login-throttle.repository';
import { SharedLoginThrottle } from '../datasources/cache/redis-login-throttle';
import { MemoryBlockStore } from '../datasources/cache/memory-block-store';
import { SharedBlockStore } from '../datasources/cache/redis-block-store';
import { SecurityEventRepository } from '../datasources/database/security-event.repository';
import { SecurityEvents } from '../services/security/security-events.service';
import type { LoginThrottleStore } from '../services/login-throttle';
import { PortfolioRepository } from '../datasources/database/portfolio.repository';
import { UsageRepository } from '../datasources/database/usage.repository';
import { UserRepository } from '../datasources/database/user.repository';
import type { PlanLimits, PlanName } from '../domain/plans';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { AccountService } from '../services/account.service';
import { ApiKeyService } from '../services/api-key.service';
import { AuthService, type ReplayGuard, type TokenSettings } from '../services/auth.service';
import { KeyLookupGuard } from '../services/key-lookup-guard';
import { NO_BILLING, type BillingProvider } from '../services/billing';
import { InvalidationBus } from '../services/invalidation-bus';
import { createMarketData } from '../services/market-data.factory';
import type { MarketDataService } from '../services/market-data.service';
import { PortfolioService } from '../services/portfolio.service';
import { BrokerSyncService } from '../services/broker-sync.service';
import { BrokerConnectionRepository } from '../datasources/database/broker-connection.repository';
import { KiteClient } from '../datasources/brokers/kite/kite.client';
import { UpstoxClient } from '../datasources/brokers/upstox/upstox.client';
import { LedgerSizesService } from '../services/ledger-sizes';
import { QuoteStream, type TradeFeed } from '../services/quote-stream';
import { DEFAULT_RESPONSE_CACHE, ResponseCache } from './response-cache';
import { Admission } from './admission/admission';
import { UsageRecorder, UsageService } from '../services/usage.service';
import { RetentionJob } from '../services/retention.service';

/** The long-lived services and datasources of one server instance. */
export interface Services {
  /** Whether the database answers (down from a failure until a probe succeeds). */
  database: DatabaseAvailability;
  /** Credentials, limits, price and metering: one decision for HTTP and WebSocket. */
  admission: Admission;
  /** Security events, their metrics and the automatic blocks they drive. */
  security: SecurityEvents;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  auth: AuthService;
  accounts: AccountService;
  keys: ApiKeyService;
  usage: UsageService;
  usageRecorder: UsageRecorder;
  /** Prunes and rolls up the tables that grow with traffic (scheduled by `start`). */
  retention: RetentionJob;
  /** Signatures of signed requests seen (Redis, or this process). */
  replayGuard: ReplayGuard;
  rateLimiter: RateLimiter;
  /** WebSocket connections per account, across replicas. */
  connections: ConnectionRegistry;
  /** Distinct symbols subscribed per account, across replicas. */
  symbols: SymbolRegistry;
  /** Cross-replica notifications (revoked keys, changed portfolios). */
  bus: InvalidationBus;
  plans: Readonly<Record<PlanName, PlanLimits>>;
  marketData: MarketDataService;
  /** Each account's share of the providers' budgets (cache misses per minute). */
  upstreamShare: UpstreamShare;
  portfolios: PortfolioService;
  /** Broker connections and their syncs into portfolio ledgers. */
  brokers: BrokerSyncService;
  /** Ledger sizes of a caller's portfolios, for pricing operations before they run. */
  ledgerSizes: LedgerSizesService;
  /** Live quotes for subscriptions. */
  quoteStream: QuoteStream;
  /** Answers of identical cacheable queries (HTTP). */
  responseCache: ResponseCache;
  /** Settings of the computed analytics. */
  analytics: { riskFreeRate: number };
  /** Subscribes to cross-replica invalidations and schedules the retention job. */
  start(): Promise<void>;
  /** Stops the retention job, writes buffered usage and unsubscribes. */
  close(): Promise<void>;
}

/** The issuer and audience of Yieldflow access tokens. */
export const TOKEN_ISSUER = 'yieldflow';
export const TOKEN_AUDIENCE = 'yieldflow-api';

/** Wires datasources into services. */
export function createServices(deps: {
  config: Config;
  database: Database;
  redis: Redis | null;
  logger: Logger;
  jwtSecret: string;
  metrics?: Metrics;
  billing?: BillingProvider;
  /** Replaces the configured live trade source (a bench's generator). */
  tradeFeed?: TradeFeed;
  /** The clock of market data and the response cache; the wall clock by default. */
  now?: () => Date;
}): Services {
  const { prisma } = deps.database;
  const database = new DatabaseAvailability({
    ping: () => deps.database.ping(),
    logger: deps.logger.child({ component: 'database' }),
  });
  const users = new UserRepository(prisma);
  const apiKeys = new ApiKeyRepository(prisma);
  const sessions = new SessionRepository(prisma);
  const usageRepository = new UsageRepository(prisma);
  const tokens: TokenSettings = {
    secret: deps.jwtSecret,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
  };
  const rateLimiter = new RateLimiter(deps.redis, deps.logger.child({ component: 'rate-limit' }));
  const portfolioRepository = new PortfolioRepository(prisma);
  const bus = new InvalidationBus(deps.redis, deps.config.redisKeyPrefix, deps.logger);
  const replayGuard = deps.redis ? new SharedReplayGuard(deps.redis) : new MemoryReplayGuard();
  const auth = new AuthService({
    apiKeys,
    users,
    tokens,
    bus,
    replayGuard,
    logger: deps.logger.child({ component: 'auth' }),
    lookups: new KeyLookupGuard((subject, limits) => rateLimiter.consume(subject, limits)),
    database,
  });
  const marketData = createMarketData({
    config: deps.config,
    redis: deps.redis,
    logger: deps.logger,
    metrics: deps.metrics,
    now: deps.now,
  });
  const finnhub = deps.config.providers.find((p) => p.name === 'finnhub');
  const tradeFeed =
    deps.tradeFeed ??
    (deps.config.finnhubStreamUrl && finnhub?.apiKey
      ? new FinnhubTradeStream({
          url: deps.config.finnhubStreamUrl,
          apiKey: finnhub.apiKey,
          logger: deps.logger.child({ component: 'finnhub-stream' }),
        })
      : null);
  const quoteStream = new QuoteStream({
    marketData,
    redis: deps.redis,
    keyPrefix: deps.config.redisKeyPrefix,
    logger: deps.logger.child({ component: 'quote-stream' }),
    tradeFeed,
  });
  const usageRecorder = new UsageRecorder(
    usageRepository,
    deps.logger.child({ component: 'usage' }),
    Date.now,
    deps.redis ? new RedisOperationNames(deps.redis) : null,
  );
  const connections = new ConnectionRegistry(deps.redis);
  const ledgerSizes = new LedgerSizesService(portfolioRepository, bus);
  const loginThrottle: LoginThrottleStore = deps.redis
    ? new SharedLoginThrottle(deps.redis, new LoginThrottleRepository(prisma))
    : new LoginThrottleRepository(prisma);
  const securityEvents = new SecurityEventRepository(prisma);
  const security = new SecurityEvents({
    repository: securityEvents,
    blocks: deps.redis ? new SharedBlockStore(deps.redis) : new MemoryBlockStore(),
    logger: deps.logger.child({ component: 'security' }),
    metrics: deps.metrics,
    autoBlock: deps.config.securityAutoBlock,
  });
  const retention = new RetentionJob({
    stores: { sessions, apiKeys, usage: usageRepository, securityEvents, loginThrottle },
    settings: deps.config.retention,
    logger: deps.logger.child({ component: 'retention' }),
    metrics: deps.metrics,
  });
  const admission = new Admission({
    auth,
    security,
    rateLimiter,
    plans: deps.config.plans,
    fieldRateLimits: deps.config.fieldRateLimits,
    usageRecorder,
    ledgerSizes,
    connections,
    production: deps.config.isProduction,
  });
  const portfolios = new PortfolioService(portfolioRepository, marketData, () => new Date(), bus);
  const { brokers: brokerSettings } = deps.config;
  const brokers = new BrokerSyncService({
    repository: new BrokerConnectionRepository(prisma),
    portfolios,
    clients: {
      ...(brokerSettings.kite
        ? { KITE: new KiteClient(brokerSettings.kite, deps.config.providerTimeoutMs) }
        : {}),
      ...(brokerSettings.upstox
        ? { UPSTOX: new UpstoxClient(brokerSettings.upstox, deps.config.providerTimeoutMs) }
        : {}),
    },
    tokenKey: brokerSettings.tokenKey,
    logger: deps.logger.child({ component: 'brokers' }),
  });
  return {
    database,
    admission,
    security,
    users,
    apiKeys,
    auth,
    accounts: new AccountService({
      users,
      sessions,
      throttle: loginThrottle,
      auth,
      security,
      tokens,
      billing: deps.billing ?? NO_BILLING,
      logger: deps.logger.child({ component: 'accounts' }),
    }),
    keys: new ApiKeyService(apiKeys, auth),
    usage: new UsageService(usageRepository, usageRecorder, apiKeys, (viewer) =>
      admission.remaining(viewer, ''),
    ),
    usageRecorder,
    retention,
    replayGuard,
    rateLimiter,
    connections,
    symbols: new SymbolRegistry(deps.redis),
    bus,
    plans: deps.config.plans,
    marketData,
    upstreamShare: new UpstreamShare(rateLimiter, deps.config.plans),
    portfolios,
    brokers,
    ledgerSizes,
    quoteStream,
    responseCache: new ResponseCache({ ...DEFAULT_RESPONSE_CACHE, now: deps.now }),
    analytics: { riskFreeRate: deps.config.riskFreeRate },
    start: async () => {
      retention.start();
      await bus.start();
    },
    close: async () => {
      await retention.stop();
      await quoteStream.stop();
      await usageRecorder.close();
      await bus.stop();
      database.close();
    },
  };
}
