import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { startApp, type App, type AppOptions } from '../src/server/app';
import { tuneRuntime } from '../src/server/runtime-tuning';

/** Twenty large listings of the simulator: a portfolio's holdings, a page of cards. */
export const TWENTY_SYMBOLS = [
  'AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'META', 'JPM', 'V', 'MA', 'JNJ',
  'PG', 'KO', 'PEP', 'WMT', 'HD', 'DIS', 'XOM', 'CVX', 'INTC', 'CSCO',
]; // prettier-ignore

/**
 * The gateway as a bench runs it: production mode on a fresh embedded database (or
 * DATABASE_URL), the in-process cache (or REDIS_URL, under a prefix of its own), no demo
 * account, errors-only logging, the V8 settings of `npm start` (tuneRuntime). `env` adds
 * to or overrides that.
 */
export async function startBenchGateway(
  env: Record<string, string>,
  options: Pick<AppOptions, 'tradeFeed'> = {},
): Promise<{ app: App; dataDir: string }> {
  tuneRuntime();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yf-bench-'));
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'error',
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...(process.env.REDIS_URL
        ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `bench:${Date.now()}:` }
        : {}),
      ...env,
    },
    process.cwd(),
  );
  const app = await startApp({ config, logger: pino({ level: 'error' }), ...options });
  return { app, dataDir };
}

/** POSTs one operation; its data, or a thrown error with the errors. */
export async function graphql<T>(
  url: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/**
 * An ENTERPRISE account (the operator's move, as the admin CLI would make it) with
 * `keys` API keys; its access token for anything else.
 */
export async function enterpriseAccount(
  app: App,
  keys: number,
): Promise<{ accessToken: string; keys: string[] }> {
  const email = `bench.${Date.now()}@example.com`;
  const password = 'bench correct horse battery';
  await graphql(
    app.url,
    `mutation { register(email: "${email}", password: "${password}") { accessToken } }`,
  );
  await app.database.prisma.user.update({ where: { email }, data: { plan: 'ENTERPRISE' } });
  // A new session: the token carries nothing of the plan, but the login is after it.
  const { login } = await graphql<{ login: { accessToken: string } }>(
    app.url,
    `mutation { login(email: "${email}", password: "${password}") { accessToken } }`,
  );
  const bearer = { authorization: `Bearer ${login.accessToken}` };
  const secrets: string[] = [];
  for (let i = 0; i < keys; i += 1) {
    const { createApiKey } = await graphql<{ createApiKey: { secret: string } }>(
      app.url,
      `mutation { createApiKey(name: "bench ${i}") { secret } }`,
      bearer,
    );
    secrets.push(createApiKey.secret);
  }
  return { accessToken: login.accessToken, keys: secrets };
}
