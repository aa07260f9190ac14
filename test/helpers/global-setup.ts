import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openPglite, openPostgres } from '../../src/datasources/database/database';
import { applyMigrations } from '../../src/datasources/database/migrator';
import { testEnv, withDatabaseName } from './test-env';

/**
 * Migrates once per run: a template database on Postgres (each test file then copies
 * it with CREATE DATABASE … TEMPLATE), or a PGlite dump each test file loads.
 */
export default async function globalSetup(): Promise<void> {
  if (testEnv.databaseUrl) {
    const name = `yf_tpl_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: testEnv.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const database = openPostgres(withDatabaseName(testEnv.databaseUrl, name));
    try {
      await applyMigrations({ adapterFactory: database.adapterFactory });
    } finally {
      await database.close();
    }
    process.env.YF_TEST_TEMPLATE_DB = name;
  } else {
    const database = await openPglite();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'yf-test-'));
    const file = path.join(dir, 'pglite-template.tar');
    try {
      await applyMigrations({ adapterFactory: database.adapterFactory });
      const dump = await database.pglite.dumpDataDir('none');
      await writeFile(file, Buffer.from(await dump.arrayBuffer()));
    } finally {
      await database.close();
    }
    process.env.YF_TEST_PGLITE_DUMP = file;
  }
}
