import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import { openPglite, openPostgres, type Database } from '../../src/datasources/database/database';
import { testEnv, withDatabaseName } from './test-env';

/** A database of one test file's own, migrated, with how to reach it and drop it. */
export interface TestDatabase {
  database: Database;
  /** Set on Postgres: the URL of this file's database. */
  url?: string;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: testEnv.databaseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh, migrated database: a copy of the run's template on Postgres, or an
 * in-memory PGlite loaded from the run's migrated dump.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEnv.databaseUrl) {
    const template = testEnv.templateDatabase;
    if (!template) throw new Error('global-setup did not create a template database');
    const name = `${template.replace('yf_tpl_', 'yf_t_')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    const url = withDatabaseName(testEnv.databaseUrl, name);
    const database = openPostgres(url);
    return {
      database,
      url,
      drop: async () => {
        await database.close();
        await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    };
  }
  if (!testEnv.pgliteDump) throw new Error('global-setup did not create a PGlite dump');
  const dump = await readFile(testEnv.pgliteDump);
  const database = await openPglite({ loadDataDir: new Blob([dump]) });
  return { database, drop: () => database.close() };
}

/** A second connection to a Postgres test database (another replica's); drop() only closes it. */
export function sharedTestDatabase(of: TestDatabase): TestDatabase {
  if (!of.url) throw new Error('replicas share a database on Postgres only (DATABASE_URL)');
  const database = openPostgres(of.url);
  return { database, url: of.url, drop: () => database.close() };
}

/** Runs one statement on its own connection to `url` (a server's, or a database's). */
export async function queryOn<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
