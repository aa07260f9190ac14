import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { testEnv } from './test-env';

/** Drops the template database (and any test database a crashed file left behind). */
export default async function globalTeardown(): Promise<void> {
  const template = process.env.YF_TEST_TEMPLATE_DB;
  if (testEnv.databaseUrl && template) {
    const admin = new Client({ connectionString: testEnv.databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
        [template, `${template.replace('yf_tpl_', 'yf_t_')}_%`],
      );
      for (const { datname } of rows)
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  const dump = process.env.YF_TEST_PGLITE_DUMP;
  if (dump) await rm(path.dirname(dump), { recursive: true, force: true });
}
