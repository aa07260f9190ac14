import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { gql } from '../helpers/graphql';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { testEnv, withDatabaseName } from '../helpers/test-env';

const QUOTE = '{ quote(symbol: "AAPL") { price } }';

/** The requests `usage` reports for the demo account, read through a server. */
async function usageRequests(server: ServerProcess): Promise<number> {
  const answer = await gql<{ usage: { requests: number } }>(server.url, '{ usage { requests } }', {
    apiKey: server.demoKey!,
  });
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data!.usage.requests;
}

async function stopped(server: ServerProcess, signal: NodeJS.Signals): Promise<number | null> {
  server.child.kill(signal);
  return server.exited;
}

// Usage is buffered in memory and written each second: a clean stop writes all of it
// (checked by a second process on the same data), a crash loses at most the last second.
describe('usage survives a restart', () => {
  let cwd: string;
  let env: Record<string, string>;
  let dropDatabase: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-usage-'));
    env = { PORT: '0' };
    if (testEnv.databaseUrl) {
      // kill -9 needs a server-side database: the embedded one's files are not the
      // process' to leave half-written.
      const name = `yf_e2e_${randomBytes(5).toString('hex')}`;
      const admin = async (sql: string) => {
        const client = new Client({ connectionString: testEnv.databaseUrl });
        await client.connect();
        await client.query(sql).finally(() => client.end());
      };
      await admin(`CREATE DATABASE "${name}"`);
      env.DATABASE_URL = withDatabaseName(testEnv.databaseUrl, name);
      dropDatabase = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
  afterAll(async () => {
    await dropDatabase();
    await rm(cwd, { recursive: true, force: true });
  });

  it('SIGTERM right after a burst keeps every metered request', async () => {
    const first = await spawnServer({ env, cwd });
    const before = await usageRequests(first);
    const burst = 300;
    const answers = await Promise.all(
      Array.from({ length: burst }, () => gql(first.url, QUOTE, { apiKey: first.demoKey! })),
    );
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    // Within the second the recorder waits before writing.
    expect(await stopped(first, 'SIGTERM')).toBe(0);

    const second = await spawnServer({ env, cwd });
    try {
      // The first process' usage query is metered too.
      expect(await usageRequests(second)).toBe(before + 1 + burst);
    } finally {
      expect(await stopped(second, 'SIGTERM')).toBe(0);
    }
  }, 90_000);

  (testEnv.databaseUrl ? it : it.skip)(
    'kill -9 loses at most the requests answered in the last second',
    async () => {
      const first = await spawnServer({ env, cwd });
      const before = await usageRequests(first);
      // Four clients in a loop for two and a half seconds, each answer's time noted.
      const answeredAt: number[] = [];
      const until = performance.now() + 2_500;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (performance.now() < until) {
            await gql(first.url, QUOTE, { apiKey: first.demoKey! });
            answeredAt.push(performance.now());
          }
        }),
      );
      const killedAt = performance.now();
      expect(await stopped(first, 'SIGKILL')).toBeNull();

      const second = await spawnServer({ env, cwd });
      try {
        const kept = (await usageRequests(second)) - before - 1;
        // The recorder writes each second: whatever was answered more than a second
        // before the kill (and 250 ms for the write itself) is in the database.
        const safe = answeredAt.filter((at) => at <= killedAt - 1_250).length;
        expect(safe).toBeGreaterThan(0);
        expect(kept).toBeGreaterThanOrEqual(safe);
        expect(kept).toBeLessThanOrEqual(answeredAt.length);
      } finally {
        expect(await stopped(second, 'SIGTERM')).toBe(0);
      }
    },
    90_000,
  );
});
