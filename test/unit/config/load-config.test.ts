import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../../src/config/env.schema';
import { ConfigError, loadConfig } from '../../../src/config/load-config';
import { FIELD_RATE_LIMITS } from '../../../src/domain/field-rate-limits';

// What `npm start` assumes when NODE_ENV is unset.
const START = { defaultNodeEnv: 'development' } as const;

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, '/srv', START);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts on embedded defaults with an empty environment under npm start', () => {
    const config = loadConfig({}, '/srv/app', START);
    expect(config).toMatchObject({
      env: 'development',
      port: 4000,
      host: '127.0.0.1',
      dataDir: path.resolve('/srv/app', '.yieldflow'),
      databaseUrl: undefined,
      redisUrl: undefined,
      redisKeyPrefix: 'yf:',
      redisCommandTimeoutMs: 2_000,
      databasePool: { size: 10, connectTimeoutMs: 3_000, statementTimeoutMs: 5_000 },
      corsOrigins: [],
      shutdownGraceMs: 10_000,
      seedDemo: true,
    });
  });

  it('configures Kite only with its key, secret and a well-formed BROKER_TOKEN_KEY', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({}, '/srv', START).brokers).toEqual({
      tokenKey: null,
      kite: null,
      upstox: null,
    });
    const config = loadConfig(
      { KITE_API_KEY: 'kk', KITE_API_SECRET: 'ks', BROKER_TOKEN_KEY: key },
      '/srv',
      START,
    );
    expect(config.brokers.kite).toEqual({
      apiKey: 'kk',
      apiSecret: 'ks',
      baseUrl: 'https://api.kite.trade',
      loginUrl: 'https://kite.zerodha.com/connect/login',
    });
    expect(config.brokers.tokenKey).toEqual(Buffer.alloc(32, 7));
    expect(problemsOf({ KITE_API_KEY: 'kk', KITE_API_SECRET: 'ks' })).toEqual([
      expect.stringMatching(/^BROKER_TOKEN_KEY: required because a broker/),
    ]);
    expect(problemsOf({ KITE_API_KEY: 'kk', BROKER_TOKEN_KEY: key })).toEqual([
      'KITE_API_SECRET: required because KITE_API_KEY is set',
    ]);
    expect(problemsOf({ BROKER_TOKEN_KEY: Buffer.alloc(16).toString('base64') })).toEqual([
      'BROKER_TOKEN_KEY: must be 32 bytes in base64 (openssl rand -base64 32)',
    ]);
    expect(problemsOf({ KITE_BASE_URL: 'ftp://x' })).toEqual([
      'KITE_BASE_URL: must be a URL starting with http:// or https://',
    ]);
  });

  it('configures Upstox only with its client id, secret, redirect URI and BROKER_TOKEN_KEY', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const upstox = {
      UPSTOX_CLIENT_ID: 'uc',
      UPSTOX_CLIENT_SECRET: 'us',
      UPSTOX_REDIRECT_URI: 'https://app.example.com/cb/',
    };
    const config = loadConfig({ ...upstox, BROKER_TOKEN_KEY: key }, '/srv', START);
    expect(config.brokers.upstox).toEqual({
      clientId: 'uc',
      clientSecret: 'us',
      redirectUri: 'https://app.example.com/cb/',
      baseUrl: 'https://api.upstox.com',
      loginUrl: 'https://api.upstox.com/v2/login/authorization/dialog',
    });
    expect(config.brokers.kite).toBeNull();
    expect(problemsOf(upstox)).toEqual([
      'BROKER_TOKEN_KEY: required because a broker (UPSTOX_CLIENT_ID) is configured: 32 bytes in base64',
    ]);
    expect(
      problemsOf({ UPSTOX_CLIENT_ID: 'uc', UPSTOX_CLIENT_SECRET: 'us', BROKER_TOKEN_KEY: key }),
    ).toEqual(['UPSTOX_REDIRECT_URI: required because UPSTOX_CLIENT_ID is set']);
    expect(problemsOf({ UPSTOX_REDIRECT_URI: 'https://app.example.com/cb' })).toEqual([
      'UPSTOX_CLIENT_ID: required because UPSTOX_REDIRECT_URI is set',
      'UPSTOX_CLIENT_SECRET: required because UPSTOX_REDIRECT_URI is set',
    ]);
    expect(problemsOf({ ...upstox, UPSTOX_REDIRECT_URI: 'app.example.com' })).toEqual([
      'UPSTOX_REDIRECT_URI: must be a URL starting with http:// or https://',
    ]);
  });

  it('reports every bad variable, one line each, naming it', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      REDIS_COMMAND_TIMEOUT_MS: '0',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'localhost:6379',
      CORS_ORIGINS: 'https://ok.example, not an origin',
      SHUTDOWN_GRACE_MS: '-5',
      DATABASE_POOL_SIZE: '0',
      DATABASE_CONNECT_TIMEOUT_MS: 'soon',
      DATABASE_STATEMENT_TIMEOUT_MS: '10',
    });
    expect(problems).toHaveLength(9);
    for (const name of [
      'DATABASE_POOL_SIZE',
      'DATABASE_CONNECT_TIMEOUT_MS',
      'DATABASE_STATEMENT_TIMEOUT_MS',
      'PORT',
      'REDIS_COMMAND_TIMEOUT_MS',
      'DATABASE_URL',
      'REDIS_URL',
      'CORS_ORIGINS',
      'SHUTDOWN_GRACE_MS',
    ]) {
      expect(problems.filter((line) => line.startsWith(`${name}: `))).toHaveLength(1);
    }
    expect(problems.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('takes an unset NODE_ENV for production without the start default', () => {
    expect(() => loadConfig({}, '/srv')).toThrow(ConfigError);
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32) }, '/srv');
    expect(config).toMatchObject({
      env: 'production',
      isProduction: true,
      seedDemo: false,
      host: '0.0.0.0',
    });
    expect(loadConfig({ NODE_ENV: '', JWT_SECRET: 'x'.repeat(32) }, '/srv').env).toBe('production');
    // Tools that sign nothing need no secret.
    expect(loadConfig({}, '/srv', { signsTokens: false }).env).toBe('production');
    // An explicit NODE_ENV wins over the start default; HOST wins over loopback.
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv', START).seedDemo).toBe(false);
    expect(loadConfig({ HOST: '0.0.0.0' }, '/srv', START).host).toBe('0.0.0.0');
  });

  it('requires a JWT_SECRET of at least 32 characters in production, and seeds nothing there', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET: required in production, which an unset NODE_ENV means (at least 32 characters)',
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual([
      'JWT_SECRET: must be at least 32 characters',
    ]);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, '/srv');
    expect(config.seedDemo).toBe(false);
    expect(config.isProduction).toBe(true);
  });

  it('parses TRUSTED_PROXIES as CIDR blocks and refuses the old TRUST_PROXY', () => {
    expect(
      loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, ::1,127.0.0.1' }, '/srv', START).trustedProxies,
    ).toEqual(['10.0.0.0/8', '::1', '127.0.0.1']);
    expect(loadConfig({}, '/srv', START).trustedProxies).toEqual([]);
    expect(problemsOf({ TRUSTED_PROXIES: '10.0.0.0/8, the load balancer' })).toEqual([
      'TRUSTED_PROXIES: must be a comma-separated list of IP addresses or CIDR blocks like 10.0.0.0/8',
    ]);
    expect(problemsOf({ TRUST_PROXY: 'true' })).toEqual([
      'TRUST_PROXY: is replaced by TRUSTED_PROXIES, the CIDR list of the proxies in front',
    ]);
  });

  it('keeps request bodies small by default: 1 MiB, 8 MiB for CSV uploads', () => {
    expect(loadConfig({}, '/srv', START)).toMatchObject({
      maxBodyBytes: 1024 * 1024,
      maxImportBytes: 8 * 1024 * 1024,
    });
  });

  it('parses the CORS allow-list and treats empty URLs as unset', () => {
    const config = loadConfig(
      {
        CORS_ORIGINS: 'https://a.example, http://localhost:3000',
        DATABASE_URL: '',
        REDIS_URL: ' ',
      },
      '/srv',
      START,
    );
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });

  it('runs on the simulator with no provider settings, and reads each listed provider', () => {
    expect(loadConfig({}, '/srv', START).providers).toEqual([
      { name: 'simulator', rateLimits: [] },
    ]);
    const config = loadConfig(
      {
        MARKET_DATA_PROVIDERS: ' FMP, alphavantage ,simulator',
        FMP_API_KEY: 'k1',
        FMP_BASE_URL: 'http://127.0.0.1:9000/stable/',
        ALPHAVANTAGE_API_KEY: 'k2',
        ALPHAVANTAGE_RATE_LIMIT: '2/s,100/day',
      },
      '/srv',
      START,
    );
    expect(config.providers).toEqual([
      {
        name: 'fmp',
        apiKey: 'k1',
        baseUrl: 'http://127.0.0.1:9000/stable',
        rateLimits: [{ limit: 250, windowMs: 86_400_000 }],
      },
      {
        name: 'alphavantage',
        apiKey: 'k2',
        baseUrl: 'https://www.alphavantage.co',
        rateLimits: [
          { limit: 2, windowMs: 1_000 },
          { limit: 100, windowMs: 86_400_000 },
        ],
      },
      { name: 'simulator', rateLimits: [] },
    ]);
  });

  it('names the missing key, unknown providers and bad budgets', () => {
    expect(problemsOf({ MARKET_DATA_PROVIDERS: 'finnhub' })).toEqual([
      'FINNHUB_API_KEY: required because MARKET_DATA_PROVIDERS lists finnhub',
    ]);
    expect(problemsOf({ MARKET_DATA_PROVIDERS: 'fmp,yahoo' })[0]).toMatch(
      /^MARKET_DATA_PROVIDERS: must be a comma-separated list of simulator, fmp, alphavantage, finnhub/,
    );
    expect(problemsOf({ MARKET_DATA_PROVIDERS: 'simulator,simulator' })).toEqual([
      'MARKET_DATA_PROVIDERS: must not name a provider twice',
    ]);
    expect(problemsOf({ FMP_RATE_LIMIT: '5 per minute' })[0]).toMatch(
      /^FMP_RATE_LIMIT: must look like/,
    );
  });
});

describe('the live trade stream setting', () => {
  it("is Finnhub's trade WebSocket only when finnhub is listed with a key", () => {
    expect(loadConfig({}, '/srv', START).finnhubStreamUrl).toBeNull();
    const finnhub = { MARKET_DATA_PROVIDERS: 'finnhub,simulator', FINNHUB_API_KEY: 'k' };
    expect(loadConfig(finnhub, '/srv', START).finnhubStreamUrl).toBe('wss://ws.finnhub.io');
    expect(
      loadConfig({ ...finnhub, FINNHUB_WS_URL: 'ws://127.0.0.1:9000' }, '/srv', START)
        .finnhubStreamUrl,
    ).toBe('ws://127.0.0.1:9000');
    expect(problemsOf({ ...finnhub, FINNHUB_WS_URL: 'https://ws.finnhub.io' })).toEqual([
      expect.stringMatching(/^FINNHUB_WS_URL: must be a URL starting with ws:\/\/ or wss:\/\//),
    ]);
  });
});

describe('plan overrides (PLANS)', () => {
  it("changes the named plans' limits and keeps the contract's defaults elsewhere", () => {
    const config = loadConfig(
      { PLANS: '{"FREE":{"requestsPerMinute":30},"ENTERPRISE":{"requestsPerDay":null}}' },
      '/srv',
      START,
    );
    expect(config.plans.FREE).toMatchObject({
      name: 'FREE',
      requestsPerMinute: 30,
      requestsPerDay: 1_000,
    });
    expect(config.plans.ENTERPRISE.requestsPerDay).toBeNull();
    expect(config.plans.PRO.requestsPerMinute).toBe(1_200);
  });

  it('refuses anything but known plans and fields with sane values', () => {
    expect(problemsOf({ PLANS: 'nope' })).toEqual(['PLANS: must be a JSON object']);
    expect(problemsOf({ PLANS: '{"GOLD":{}}' })[0]).toMatch(/^PLANS/);
    expect(problemsOf({ PLANS: '{"FREE":{"requestsPerMinute":-1}}' })[0]).toMatch(/^PLANS/);
    expect(problemsOf({ PLANS: '{"FREE":{"discount":1}}' })[0]).toMatch(/^PLANS/);
    expect(problemsOf({ PLANS: '{"FREE":{"burst":-1}}' })[0]).toMatch(/^PLANS/);
  });

  it('gives each plan its burst, which PLANS may change (0: none)', () => {
    const plans = loadConfig({}, '/srv', START).plans;
    expect([plans.FREE, plans.BASIC, plans.PRO, plans.ENTERPRISE].map((p) => p.burst)).toEqual([
      30, 150, 600, 3_000,
    ]);
    expect(loadConfig({ PLANS: '{"FREE":{"burst":0}}' }, '/srv', START).plans.FREE.burst).toBe(0);
  });
});

describe("fields' own limits (FIELD_RATE_LIMITS)", () => {
  it('keeps the defaults and changes only what is named', () => {
    expect(loadConfig({}, '/srv', START).fieldRateLimits).toEqual(FIELD_RATE_LIMITS);
    const config = loadConfig(
      { FIELD_RATE_LIMITS: '{"register":{"max":100},"login":{"by":"account"}}' },
      '/srv',
      START,
    );
    expect(config.fieldRateLimits.register).toEqual({
      max: 100,
      windowSeconds: 3_600,
      by: 'address',
    });
    expect(config.fieldRateLimits.login).toEqual({ max: 30, windowSeconds: 60, by: 'account' });
    expect(config.fieldRateLimits.searchCompanies).toEqual(FIELD_RATE_LIMITS.searchCompanies);
  });

  it('refuses unknown fields, unknown settings and out-of-range numbers, naming the variable', () => {
    for (const bad of [
      'nope',
      '{"quote":{"max":1}}',
      '{"login":{"max":0}}',
      '{"login":{"windowSeconds":86401}}',
      '{"login":{"by":"key"}}',
      '{"login":{"rate":1}}',
    ]) {
      expect(problemsOf({ FIELD_RATE_LIMITS: bad })[0]).toMatch(/^FIELD_RATE_LIMITS/);
    }
  });
});

describe('retention settings', () => {
  it('runs hourly with the documented horizons by default', () => {
    expect(loadConfig({}, '/srv', START).retention).toEqual({
      enabled: true,
      intervalMs: 60 * 60_000,
      loginAttemptDays: 90,
      refreshTokenGraceDays: 7,
      expiredKeyGraceDays: 90,
      usageHourlyAfterDays: 3,
      usageDailyAfterDays: 35,
      securityEventDays: 30,
    });
  });

  it('reads every RETENTION_ variable', () => {
    const config = loadConfig(
      {
        RETENTION_ENABLED: 'false',
        RETENTION_INTERVAL_MINUTES: '5',
        RETENTION_LOGIN_ATTEMPT_DAYS: '30',
        RETENTION_REFRESH_TOKEN_GRACE_DAYS: '1',
        RETENTION_EXPIRED_KEY_GRACE_DAYS: '365',
        RETENTION_USAGE_HOURLY_AFTER_DAYS: '7',
        RETENTION_USAGE_DAILY_AFTER_DAYS: '7',
        SECURITY_EVENT_RETENTION_DAYS: '60',
      },
      '/srv',
      START,
    );
    expect(config.retention).toEqual({
      enabled: false,
      intervalMs: 5 * 60_000,
      loginAttemptDays: 30,
      refreshTokenGraceDays: 1,
      expiredKeyGraceDays: 365,
      usageHourlyAfterDays: 7,
      usageDailyAfterDays: 7,
      securityEventDays: 60,
    });
  });

  it('refuses bad values and a daily horizon before the hourly one, naming the variable', () => {
    const problems = problemsOf({
      RETENTION_ENABLED: 'yes',
      RETENTION_INTERVAL_MINUTES: '0',
      RETENTION_LOGIN_ATTEMPT_DAYS: 'ninety',
      RETENTION_REFRESH_TOKEN_GRACE_DAYS: '0',
      RETENTION_EXPIRED_KEY_GRACE_DAYS: '1.5',
    });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'RETENTION_ENABLED',
      'RETENTION_EXPIRED_KEY_GRACE_DAYS',
      'RETENTION_INTERVAL_MINUTES',
      'RETENTION_LOGIN_ATTEMPT_DAYS',
      'RETENTION_REFRESH_TOKEN_GRACE_DAYS',
    ]);
    expect(problemsOf({ RETENTION_INTERVAL_MINUTES: '1441' })[0]).toMatch(
      /^RETENTION_INTERVAL_MINUTES: /,
    );
    expect(
      problemsOf({
        RETENTION_USAGE_HOURLY_AFTER_DAYS: '10',
        RETENTION_USAGE_DAILY_AFTER_DAYS: '9',
      }),
    ).toEqual([
      'RETENTION_USAGE_DAILY_AFTER_DAYS: must be at least RETENTION_USAGE_HOURLY_AFTER_DAYS (10)',
    ]);
  });
});

describe('documentation of the environment', () => {
  it('names every variable in .env.example and in the README', () => {
    const root = path.join(__dirname, '..', '..', '..');
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const name of Object.keys(envSchema.shape)) {
      expect({ name, inExample: new RegExp(`^#? ?${name}=`, 'm').test(example) }).toEqual({
        name,
        inExample: true,
      });
      expect({ name, inReadme: readme.includes(`\`${name}\``) }).toEqual({ name, inReadme: true });
    }
  });
});
