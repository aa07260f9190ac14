import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config';
import type { Database } from '../../src/datasources/database/database';
import { startApp, type App, type AppOptions } from '../../src/server/app';
import { createTestDatabase, sharedTestDatabase, type TestDatabase } from './database';
import { createTestRedis, type TestRedis } from './redis';

// The test database, reached by the server through its own connection.
function throughOwnConnection(db: TestDatabase, database: Database): TestDatabase {
  return {
    database,
    url: db.url,
    drop: async () => {
      await database.close();
      await db.drop();
    },
  };
}

/** A server on port 0 with its own database, Redis prefix and DATA_DIR. */
export interface TestServer {
  app: App;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  db: TestDatabase;
  redis: TestRedis;
  dataDir: string;
  /** Every log line the server wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the app in-process. `env` adds or overrides environment variables. With
 * `replicaOf`, a second replica of that server: the same database and Redis prefix
 * (Postgres and Redis only), which it leaves in place when it closes; with `redisOf`, an
 * instance sharing only that server's Redis.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: Pick<AppOptions, 'websocket' | 'tradeFeed' | 'now'> & {
    replicaOf?: TestServer;
    /** Shares only that server's Redis prefix (an instance with a database of its own). */
    redisOf?: TestServer;
    /**
     * Postgres only: how the server opens its database at that URL (through a fault
     * proxy, with other pool settings); closed with the server.
     */
    openDatabase?: (url: string) => Database;
  } = {},
): Promise<TestServer> {
  const { replicaOf, redisOf, openDatabase, ...appOptions } = options;
  const created = replicaOf ? sharedTestDatabase(replicaOf.db) : await createTestDatabase();
  if (openDatabase && !created.url) throw new Error('openDatabase needs Postgres (DATABASE_URL)');
  const db: TestDatabase = openDatabase
    ? throughOwnConnection(created, openDatabase(created.url!))
    : created;
  const redis = replicaOf?.redis ?? redisOf?.redis ?? createTestRedis();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yf-data-'));
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SEED_DEMO: 'true',
      // Every test client is 127.0.0.1: suites that send many bad keys (fuzz, pre-auth)
      // would block it for the rest of their file. security-events.test.ts turns it on.
      SECURITY_AUTO_BLOCK: 'false',
      ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
      ...env,
    },
    process.cwd(),
  );
  const logger = pino({ level: env.LOG_LEVEL ?? 'info' }, destination);
  let app: App;
  try {
    app = await startApp({ config, logger, database: db.database, ...appOptions });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${app.port}`;
  return {
    app,
    baseUrl,
    url: `${baseUrl}/graphql`,
    db,
    redis,
    dataDir,
    logs,
    close: async () => {
      await app.stop();
      await db.drop();
      if (!replicaOf && !redisOf) await redis.clear();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
