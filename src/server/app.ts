import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { Config } from '../config/env.schema';
import { prepareDataDir } from '../datasources/data-dir';
import {
  migrationPool,
  openPglite,
  openPostgres,
  type Database,
} from '../datasources/database/database';
import { applyMigrations } from '../datasources/database/migrator';
import { closeRedis, openRedis, pingRedis } from '../datasources/cache/redis';
import { createLogger, type Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { buildYieldflowSchema } from '../schema/build-schema';
import { DemoSeedService, type DemoAccount } from '../services/demo-seed.service';
import { resolveJwtSecret } from '../services/jwt-secret.service';
import { createApollo } from './apollo';
import { runHealthChecks, type HealthCheck } from './health';
import { createHttpHandler, type Lifecycle } from './http';
import { createFormatError } from './plugins/errors.plugin';
import { Ide } from './ide';
import { createMetricsServer } from './metrics-route';
import { createServices } from './services';
import { gracefulStop } from './shutdown';
import type { TradeFeed } from '../services/quote-stream';
import type { BackpressureLimits } from './ws/connection';
import { attachWebSocket, type WebSocketEndpoint } from './ws/gateway';
import type { Services } from './services';

/** Options for {@link startApp}. */
export interface AppOptions {
  config: Config;
  logger?: Logger;
  /**
   * An open, migrated database to use instead of the configured one (tests). The app
   * does not migrate it, and closes it on stop.
   */
  database?: Database;
  /** WebSocket keep-alive interval and slow-consumer limits (tests shorten them). */
  websocket?: {
    keepAliveMs?: number;
    /** How often every socket's credentials are checked again (default a minute). */
    revalidateMs?: number;
    backpressure?: Partial<BackpressureLimits>;
  };
  /** A live trade source replacing the configured one (the WebSocket bench's generator). */
  tradeFeed?: TradeFeed;
  /**
   * The clock of market data and the response cache (tests move it past their TTLs); the
   * wall clock by default.
   */
  now?: () => Date;
}

/** A running server. */
export interface App {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  /** The port of METRICS_PORT's server, when set. */
  readonly metricsPort?: number;
  /** The demo account, when seeding is on. */
  readonly demo?: DemoAccount;
  /** The services and the WebSocket endpoint, for tests and benches to observe. */
  readonly services: Services;
  readonly websocket: WebSocketEndpoint;
  /** Graceful stop: drain HTTP, close sockets with 1001, then the database and Redis. */
  stop(): Promise<void>;
}

async function openConfiguredDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) {
    // Migrations may run long; requests get the bounded pool once they are applied.
    const migrating = openPostgres(config.databaseUrl, migrationPool(config.databasePool));
    try {
      const applied = await applyMigrations({ adapterFactory: migrating.adapterFactory });
      logger.info({ database: migrating.kind, applied }, 'migrations applied');
    } finally {
      await migrating.close();
    }
    return openPostgres(config.databaseUrl, config.databasePool);
  }
  const database = await openPglite({ dataDir: config.dataDir });
  try {
    const applied = await applyMigrations({ adapterFactory: database.adapterFactory });
    logger.info({ database: database.kind, applied }, 'migrations applied');
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts Yieldflow: database (migrated), Redis, schema, Apollo, HTTP and WebSocket on
 * one port, and the demo account when seeding is on.
 */
export async function startApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // DATA_DIR holds the embedded database, a generated JWT secret and the demo key: a
  // deployment with DATABASE_URL and JWT_SECRET writes nothing (its image's files are
  // read-only to the user it runs as).
  if (!config.databaseUrl || !config.jwtSecret || config.seedDemo) {
    await prepareDataDir(config.dataDir);
  }
  const database = options.database ?? (await openConfiguredDatabase(config, logger));
  let redis: Redis | null = null;
  try {
    redis = config.redisUrl
      ? openRedis({
          url: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
          commandTimeoutMs: config.redisCommandTimeoutMs,
          logger: logger.child({ component: 'redis' }),
        })
      : null;
    const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
    const metrics = new Metrics();
    const services = createServices({
      config,
      database,
      redis,
      logger,
      metrics,
      jwtSecret,
      tradeFeed: options.tradeFeed,
      now: options.now,
    });
    await services.start();
    const schema = await buildYieldflowSchema();
    const development = config.env === 'development';
    const formatError = createFormatError({ development });
    const apollo = createApollo({
      schema,
      config,
      metrics,
      formatError,
      responseCache: services.responseCache,
    });
    await apollo.start();

    const healthChecks: HealthCheck[] = [{ name: 'database', check: () => database.ping() }];
    if (redis) {
      const client = redis;
      healthChecks.push({ name: 'cache', check: () => pingRedis(client) });
    }
    healthChecks.push({
      name: 'providers',
      check: async () => {
        if (services.marketData.availableProviders().length === 0) {
          throw new Error('every market-data provider is failing (circuits open)');
        }
      },
    });
    const lifecycle: Lifecycle = { inFlight: 0, draining: false };
    // The IDE pre-fills the demo key in development (it is seeded further down).
    const seeded: { demo?: DemoAccount } = {};
    const ide = new Ide({ demoKey: () => (development ? seeded.demo?.apiKey : undefined) });
    const httpServer = createServer(
      { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
      createHttpHandler({
        apollo,
        config,
        logger,
        metrics,
        services,
        healthChecks,
        lifecycle,
        ide,
      }),
    );
    const ws = attachWebSocket({
      httpServer,
      schema,
      services,
      logger,
      formatError,
      trustedProxies: config.trustedProxies,
      ...options.websocket,
    });
    metrics.observeLive(() => ({
      connections: ws.size,
      ...ws.counters,
      watched: services.quoteStream.watched().length,
      produced: services.quoteStream.producing().length,
    }));
    metrics.observeReadiness(async () => {
      const { checks } = await runHealthChecks(healthChecks);
      return Object.fromEntries(
        Object.entries(checks).map(([name, c]) => [name, c.status === 'up']),
      );
    });
    const httpProviders = config.providers.map((p) => p.name).filter((n) => n !== 'simulator');
    metrics.observeCircuits(() => {
      const available = new Set(services.marketData.availableProviders());
      return httpProviders.map((provider) => ({ provider, open: !available.has(provider) }));
    });

    const demo = config.seedDemo
      ? await new DemoSeedService(services.users, services.apiKeys, config.dataDir).ensure()
      : undefined;
    seeded.demo = demo;
    const port = await listen(httpServer, config.port, config.host);
    const metricsServer =
      config.metricsPort === undefined
        ? undefined
        : createMetricsServer({ metrics, token: config.metricsToken });
    const metricsPort = metricsServer
      ? await listen(metricsServer, config.metricsPort!, config.host).catch(async (error) => {
          httpServer.close();
          throw error;
        })
      : undefined;
    const url = `${config.publicUrl ?? `http://localhost:${port}`}/graphql`;
    logger.info(
      {
        url,
        address: (httpServer.address() as AddressInfo).address,
        port,
        ...(metricsPort === undefined ? {} : { metricsPort }),
        database: database.kind,
        redis: Boolean(redis),
      },
      'server listening',
    );

    let stopping: Promise<void> | undefined;
    const openRedisClient = redis;
    return {
      url,
      port,
      metricsPort,
      database,
      demo,
      services,
      websocket: ws,
      stop: () =>
        (stopping ??= gracefulStop({
          httpServer,
          lifecycle,
          ws,
          apollo,
          graceMs: config.shutdownGraceMs,
          logger,
          closeStores: async () => {
            if (metricsServer) {
              metricsServer.closeAllConnections();
              await new Promise((resolve) => metricsServer.close(resolve));
            }
            // Usage buffered during the drain is written before the database closes.
            await services.close();
            await database.close();
            if (openRedisClient) await closeRedis(openRedisClient);
          },
        })),
    };
  } catch (error) {
    if (redis) await closeRedis(redis);
    await database.close();
    throw error;
  }
}
