import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DATABASE_POOL_DEFAULTS, type DatabasePool } from '../../config/env.schema';
import { PrismaClient } from '../../generated/prisma/client';
import { acquireDirLock, type DirLock } from './dir-lock';

/** An open database: the Prisma client plus what migrations and health checks need. */
export interface Database {
  /** `postgres` for DATABASE_URL, `pglite` for the embedded database. */
  readonly kind: 'postgres' | 'pglite';
  readonly prisma: PrismaClient;
  /** The same connection settings, for the migration engine. */
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Resolves when a trivial query succeeds; rejects otherwise. */
  ping(): Promise<void>;
  /** Disconnects Prisma and closes the embedded database, once. */
  close(): Promise<void>;
}

function wrap(
  kind: Database['kind'],
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  onClose: () => Promise<void> = async () => undefined,
): Database {
  const prisma = new PrismaClient({ adapter: adapterFactory });
  let closing: Promise<void> | undefined;
  return {
    kind,
    prisma,
    adapterFactory,
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    close: () => (closing ??= prisma.$disconnect().then(onClose)),
  };
}

/**
 * The pool for applying migrations: one connection, and statements that may run long
 * (an index built over a large table) instead of the request path's bound.
 */
export function migrationPool(pool: DatabasePool): DatabasePool {
  return { ...pool, size: 1, statementTimeoutMs: 15 * 60_000 };
}

/** A stalled network answers nothing: the client stops waiting this long after the server would have cancelled. */
const CLIENT_WAIT_MARGIN_MS = 1_000;

/**
 * Opens PostgreSQL at `url` through Prisma's `pg` driver adapter, with a bounded pool:
 * connecting and waiting for a connection fail after `connectTimeoutMs`, the server
 * cancels statements after `statementTimeoutMs`, and the client stops waiting for an
 * answer a second later (a stalled network, where the server's timeout never arrives).
 */
export function openPostgres(url: string, pool: DatabasePool = DATABASE_POOL_DEFAULTS): Database {
  return wrap(
    'postgres',
    new PrismaPg({
      connectionString: url,
      max: pool.size,
      connectionTimeoutMillis: pool.connectTimeoutMs,
      statement_timeout: pool.statementTimeoutMs,
      query_timeout: pool.statementTimeoutMs + CLIENT_WAIT_MARGIN_MS,
      keepAlive: true,
    }),
  );
}

// The adapter's own shadow database (used to diff migrations) is never closed, and its
// timers keep the process alive; this one closes it with its connection.
function pgliteAdapterFactory(pglite: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const base = new PrismaPGlite(pglite);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => base.connect(),
    connectToShadowDb: async () => {
      const shadow = await PGlite.create();
      const adapter = await new PrismaPGlite(shadow).connect();
      adapter.dispose = () => shadow.close();
      return adapter;
    },
  };
}

/**
 * Opens the embedded PostgreSQL (PGlite). With `dataDir`, its files live under
 * `dataDir/pgdata` and a lock file keeps a second process from opening them; without,
 * it lives in memory (tests). `loadDataDir` starts it from a dump (a migrated template).
 */
export async function openPglite(
  options: { dataDir?: string; loadDataDir?: Blob } = {},
): Promise<Database & { pglite: PGlite }> {
  let lock: DirLock | undefined;
  let dir: string | undefined;
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    lock = await acquireDirLock(path.join(options.dataDir, 'pglite.lock'));
    dir = path.join(options.dataDir, 'pgdata');
  }
  try {
    const pglite = await PGlite.create(dir, { loadDataDir: options.loadDataDir });
    const database = wrap('pglite', pgliteAdapterFactory(pglite), async () => {
      await pglite.close();
      await lock?.release();
    });
    return { ...database, pglite };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
