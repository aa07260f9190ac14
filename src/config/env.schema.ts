import path from 'node:path';
import { z } from 'zod';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : undefined))
    .refine((value) => value === undefined || protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

import {
  FIELD_RATE_LIMITS,
  type FieldRateLimit,
  type RateLimitedField,
} from '../domain/field-rate-limits';
import { DEFAULT_PLANS, PLAN_NAMES, type PlanLimits, type PlanName } from '../domain/plans';
import { isCidr } from '../domain/cidr';
import { retentionEnv, toRetentionSettings, type RetentionSettings } from './retention.schema';
import { brokerEnv, toBrokerSettings, type BrokerSettings } from './broker.schema';

/** PostgreSQL pool defaults (DATABASE_POOL_SIZE, DATABASE_*_TIMEOUT_MS). */
export const DATABASE_POOL_DEFAULTS: DatabasePool = {
  size: 10,
  connectTimeoutMs: 3_000,
  statementTimeoutMs: 5_000,
};

const planOverride = z
  .object({
    requestsPerMinute: z.number().int().positive(),
    burst: z.number().int().nonnegative(),
    requestsPerDay: z.number().int().positive().nullable(),
    maxQueryCost: z.number().int().positive(),
    websocketConnections: z.number().int().positive(),
    symbolsSubscribed: z.number().int().positive(),
    quoteDelayMinutes: z.number().int().min(0).max(1_440),
    historyDays: z.number().int().positive(),
    upstreamLookupsPerMinute: z.number().int().positive(),
  })
  .partial()
  .strict();

// A setting holding a JSON object (unset or blank: {}).
const jsonSetting = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value?.trim()) return {};
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
    });

// PLANS: a JSON object of per-plan overrides of the defaults, e.g.
// {"FREE":{"requestsPerMinute":30},"ENTERPRISE":{"requestsPerDay":null}}.
const plansOverride = jsonSetting().pipe(z.partialRecord(z.enum(PLAN_NAMES), planOverride));

// FIELD_RATE_LIMITS: overrides of the fields' own limits, e.g. {"register":{"max":100}}.
const fieldLimitsOverride = jsonSetting().pipe(
  z.partialRecord(
    z.enum(Object.keys(FIELD_RATE_LIMITS) as [RateLimitedField, ...RateLimitedField[]]),
    z
      .object({
        max: z.number().int().positive(),
        windowSeconds: z.number().int().positive().max(86_400),
        by: z.enum(['account', 'address']),
      })
      .partial()
      .strict(),
  ),
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Market-data providers Yieldflow can call, as named in MARKET_DATA_PROVIDERS. */
export const PROVIDER_NAMES = ['simulator', 'fmp', 'alphavantage', 'finnhub'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
type RealProvider = Exclude<ProviderName, 'simulator'>;

/** Documented endpoints and free-plan budgets of each real provider. */
export const PROVIDER_DEFAULTS: Record<RealProvider, { baseUrl: string; rateLimit: string }> = {
  fmp: { baseUrl: 'https://financialmodelingprep.com/stable', rateLimit: '250/day' },
  alphavantage: { baseUrl: 'https://www.alphavantage.co', rateLimit: '5/min,25/day' },
  finnhub: { baseUrl: 'https://finnhub.io/api/v1', rateLimit: '30/s,60/min' },
};

/** At most `limit` upstream calls in any window of `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

const WINDOWS: Record<string, number> = {
  s: 1_000,
  sec: 1_000,
  min: 60_000,
  m: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

/** Parses `5/min,25/day` (units s, min, hour, day); `unlimited` gives no limits. */
export function parseRateLimits(text: string): RateLimit[] | null {
  if (text.trim() === 'unlimited') return [];
  const limits: RateLimit[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/.exec(part);
    if (!match || !WINDOWS[match[2]] || Number(match[1]) < 1) return null;
    limits.push({ limit: Number(match[1]), windowMs: WINDOWS[match[2]] });
  }
  return limits;
}

const rateLimitText = z
  .string()
  .optional()
  .refine((value) => value === undefined || parseRateLimits(value) !== null, {
    message: 'must look like 5/min or 5/min,25/day (units s, min, hour, day) or unlimited',
  });

/** A comma-separated list: its items trimmed, empty ones dropped. */
const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

// <NAME>_SYMBOL_LIST: the symbols a provider lists, comma-separated; others are never
// asked of it. Unset or blank: every symbol may be.
const symbolList = z
  .string()
  .optional()
  .transform((value) =>
    value?.trim()
      ? value
          .split(',')
          .map((symbol) => symbol.trim().toUpperCase())
          .filter(Boolean)
      : undefined,
  )
  .refine(
    (symbols) => symbols === undefined || symbols.every((s) => /^[A-Z0-9.^=-]{1,20}$/.test(s)),
    {
      message: 'must be a comma-separated list of symbols like AAPL,MSFT,BRK.B',
    },
  );

const providerList = commaList('simulator')
  .transform((names) => names.map((name) => name.toLowerCase()))
  .refine((names) => names.length > 0, { message: 'must name at least one provider' })
  .refine((names) => names.every((n) => (PROVIDER_NAMES as readonly string[]).includes(n)), {
    message: `must be a comma-separated list of ${PROVIDER_NAMES.join(', ')}`,
  })
  .refine((names) => new Set(names).size === names.length, {
    message: 'must not name a provider twice',
  })
  .transform((names) => names as ProviderName[]);

/**
 * Every environment variable Yieldflow reads, with its default. This is the only place
 * that knows variable names; the rest of the code receives a typed {@link Config}.
 */
export const envSchema = z.object({
  // Unset means production: a host that forgets NODE_ENV must not seed a demo account or
  // serve its key. `npm start` passes development explicitly (see start-args.ts).
  NODE_ENV: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['development', 'production', 'test']).default('production'),
  ),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Unset: loopback in development, every interface otherwise.
  HOST: z.string().trim().min(1).optional(),
  PUBLIC_URL: optionalUrl(['http', 'https']),
  DATA_DIR: z.string().trim().min(1).default('./.yieldflow'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(DATABASE_POOL_DEFAULTS.size),
  // Connecting, or waiting for a free pooled connection, fails after this long.
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(DATABASE_POOL_DEFAULTS.connectTimeoutMs),
  // PostgreSQL cancels a statement after this long; the client gives up on an answer
  // that does not come (a stalled network) shortly after.
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DATABASE_POOL_DEFAULTS.statementTimeoutMs),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ : . -')
    .default('yf:'),
  // How long one Redis command may wait for its answer before callers fall back.
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  JWT_SECRET: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.length >= 32, {
      message: 'must be at least 32 characters',
    }),
  CORS_ORIGINS: commaList('').refine(
    (origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/]+$/.test(o)),
    {
      message: 'must be a comma-separated list of origins like https://app.example.com',
    },
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(100 * 1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .min(100 * 1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  SEED_DEMO: z.enum(['true', 'false']).optional(),
  MARKET_DATA_PROVIDERS: providerList,
  FMP_API_KEY: z.string().trim().min(1).optional(),
  FMP_BASE_URL: optionalUrl(['http', 'https']),
  FMP_RATE_LIMIT: rateLimitText,
  FMP_SYMBOL_LIST: symbolList,
  ALPHAVANTAGE_API_KEY: z.string().trim().min(1).optional(),
  ALPHAVANTAGE_BASE_URL: optionalUrl(['http', 'https']),
  ALPHAVANTAGE_RATE_LIMIT: rateLimitText,
  ALPHAVANTAGE_SYMBOL_LIST: symbolList,
  FINNHUB_API_KEY: z.string().trim().min(1).optional(),
  FINNHUB_BASE_URL: optionalUrl(['http', 'https']),
  FINNHUB_RATE_LIMIT: rateLimitText,
  FINNHUB_SYMBOL_LIST: symbolList,
  FINNHUB_WS_URL: optionalUrl(['ws', 'wss']),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  MARKET_DATA_MAX_DAY_MOVE: z.coerce.number().positive().max(100).default(1),
  RISK_FREE_RATE: z.coerce.number().min(-1).max(1).default(0),
  SECURITY_AUTO_BLOCK: z.enum(['true', 'false']).default('true'),
  SECURITY_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  ...retentionEnv,
  ...brokerEnv,
  TRUSTED_PROXIES: commaList('').refine((cidrs) => cidrs.every(isCidr), {
    message: 'must be a comma-separated list of IP addresses or CIDR blocks like 10.0.0.0/8',
  }),
  // Replaced by TRUSTED_PROXIES: trusting every X-Forwarded-For sender let any client
  // choose its address. Refused, so that an old setting is not silently ignored.
  TRUST_PROXY: z
    .string()
    .optional()
    .refine((value) => value === undefined, {
      message: 'is replaced by TRUSTED_PROXIES, the CIDR list of the proxies in front',
    }),
  PLANS: plansOverride,
  FIELD_RATE_LIMITS: fieldLimitsOverride,
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined))
    .refine((value) => value === undefined || value.length >= 16, {
      message: 'must be at least 16 characters',
    }),
  METRICS_PORT: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
});

/** One configured provider, in MARKET_DATA_PROVIDERS order. */
export interface ProviderConfig {
  name: ProviderName;
  /** Absent for the simulator. */
  apiKey?: string;
  baseUrl?: string;
  /** Upstream budget; empty means none. */
  rateLimits: RateLimit[];
  /** The symbols it lists (`<NAME>_SYMBOL_LIST`); absent: any symbol may be asked. */
  symbolList?: ReadonlySet<string>;
}

/** The raw, validated environment. */
export type Env = z.infer<typeof envSchema>;

/** How the gateway pools PostgreSQL connections. */
export interface DatabasePool {
  /** Most connections open at once (DATABASE_POOL_SIZE). */
  size: number;
  /** Bound on connecting or waiting for a free connection (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Server-side statement timeout (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
}

/** Typed configuration, derived once at start-up from the environment. */
export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  port: number;
  host: string;
  /** Base URL printed at start-up; defaults to http://localhost:PORT. */
  publicUrl?: string;
  dataDir: string;
  databaseUrl?: string;
  /** The PostgreSQL pool (DATABASE_URL only; the embedded database has one connection). */
  databasePool: DatabasePool;
  redisUrl?: string;
  /** Prefix of every Redis key, so that deployments (and test files) can share a server. */
  redisKeyPrefix: string;
  /** REDIS_COMMAND_TIMEOUT_MS: the bound on one Redis command. */
  redisCommandTimeoutMs: number;
  /** Required in production; generated and kept in DATA_DIR otherwise. */
  jwtSecret?: string;
  corsOrigins: string[];
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownGraceMs: number;
  /** Largest GraphQL request body (credentials sent; without them, 16 KiB). */
  maxBodyBytes: number;
  /** Largest CSV upload to /import/transactions. */
  maxImportBytes: number;
  /**
   * `/metrics` answers only `Authorization: Bearer <token>` when set; else 401.
   */
  metricsToken?: string;
  /** `/metrics` on its own port (0 picks one) and not on the main port, when set. */
  metricsPort?: number;
  /** Seed the demo account at start-up (default: only in development). */
  seedDemo: boolean;
  /** Market-data providers in fallback order. */
  providers: ProviderConfig[];
  /**
   * Finnhub's trade WebSocket, the live source of subscribed quotes: set when finnhub
   * is a configured provider with an API key, else null (quotes are polled).
   */
  finnhubStreamUrl: string | null;
  /** Per-attempt timeout of an upstream call. */
  providerTimeoutMs: number;
  /** A bar or quote moving more than this fraction from the previous one is dropped. */
  maxDayMove: number;
  /** Annual risk-free rate of the Sharpe ratio, as a fraction. */
  riskFreeRate: number;
  /** Block addresses and keys for a while past the thresholds of docs/security.md. */
  securityAutoBlock: boolean;
  /** What the retention job keeps (security events included), and how often it runs. */
  retention: RetentionSettings;
  /** Broker sync: the configured brokers and the key their tokens are encrypted with. */
  brokers: BrokerSettings;
  /**
   * The proxies in front (addresses or CIDR blocks): the client is the right-most
   * X-Forwarded-For hop not among them. Empty: the socket's address.
   */
  trustedProxies: string[];
  /** The plans: the contract's defaults with the operator's PLANS overrides. */
  plans: Readonly<Record<PlanName, PlanLimits>>;
  /** The fields' own limits: FIELD_RATE_LIMITS over the defaults. */
  fieldRateLimits: Readonly<Record<RateLimitedField, FieldRateLimit>>;
}

function providerConfig(name: ProviderName, env: Env): ProviderConfig {
  if (name === 'simulator') return { name, rateLimits: [] };
  const prefix = name.toUpperCase() as 'FMP' | 'ALPHAVANTAGE' | 'FINNHUB';
  const defaults = PROVIDER_DEFAULTS[name];
  return {
    name,
    apiKey: env[`${prefix}_API_KEY`],
    baseUrl: (env[`${prefix}_BASE_URL`] ?? defaults.baseUrl).replace(/\/+$/, ''),
    rateLimits: parseRateLimits(env[`${prefix}_RATE_LIMIT`] ?? defaults.rateLimit) ?? [],
    ...(env[`${prefix}_SYMBOL_LIST`] ? { symbolList: new Set(env[`${prefix}_SYMBOL_LIST`]) } : {}),
  };
}

/** Maps the validated environment to {@link Config}, resolving paths against `cwd`. */
export function toConfig(env: Env, cwd: string): Config {
  const isProduction = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host: env.HOST ?? (env.NODE_ENV === 'development' ? '127.0.0.1' : '0.0.0.0'),
    publicUrl: env.PUBLIC_URL,
    dataDir: path.resolve(cwd, env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    databasePool: {
      size: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    jwtSecret: env.JWT_SECRET,
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxImportBytes: env.MAX_IMPORT_BYTES,
    metricsToken: env.METRICS_TOKEN,
    metricsPort: env.METRICS_PORT,
    seedDemo: env.SEED_DEMO ? env.SEED_DEMO === 'true' : env.NODE_ENV === 'development',
    providers: env.MARKET_DATA_PROVIDERS.map((name) => providerConfig(name, env)),
    finnhubStreamUrl:
      env.MARKET_DATA_PROVIDERS.includes('finnhub') && env.FINNHUB_API_KEY
        ? (env.FINNHUB_WS_URL ?? 'wss://ws.finnhub.io')
        : null,
    providerTimeoutMs: env.PROVIDER_TIMEOUT_MS,
    maxDayMove: env.MARKET_DATA_MAX_DAY_MOVE,
    riskFreeRate: env.RISK_FREE_RATE,
    securityAutoBlock: env.SECURITY_AUTO_BLOCK === 'true',
    retention: toRetentionSettings(env),
    brokers: toBrokerSettings(env),
    trustedProxies: env.TRUSTED_PROXIES,
    plans: Object.fromEntries(
      PLAN_NAMES.map((name) => [name, { ...DEFAULT_PLANS[name], ...env.PLANS[name], name }]),
    ) as Record<PlanName, PlanLimits>,
    fieldRateLimits: Object.fromEntries(
      Object.entries(FIELD_RATE_LIMITS).map(([name, limit]) => [
        name,
        { ...limit, ...env.FIELD_RATE_LIMITS[name as RateLimitedField] },
      ]),
    ) as Record<RateLimitedField, FieldRateLimit>,
  };
}
