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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable Yieldflow reads, with its default. This is the only place
 * that knows variable names; the rest of the code receives a typed {@link Config}.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PUBLIC_URL: optionalUrl(['http', 'https']),
  DATA_DIR: z.string().trim().min(1).default('./.yieldflow'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ : . -')
    .default('yf:'),
  JWT_SECRET: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.length >= 32, {
      message: 'must be at least 32 characters',
    }),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/]+$/.test(o)), {
      message: 'must be a comma-separated list of origins like https://app.example.com',
    }),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024),
  SEED_DEMO: z.enum(['true', 'false']).optional(),
});

/** The raw, validated environment. */
export type Env = z.infer<typeof envSchema>;

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
  redisUrl?: string;
  /** Prefix of every Redis key, so that deployments (and test files) can share a server. */
  redisKeyPrefix: string;
  /** Required in production; generated and kept in DATA_DIR otherwise. */
  jwtSecret?: string;
  corsOrigins: string[];
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownGraceMs: number;
  maxBodyBytes: number;
  /** Seed the demo account at start-up (default: not in production). */
  seedDemo: boolean;
}

/** Maps the validated environment to {@link Config}, resolving paths against `cwd`. */
export function toConfig(env: Env, cwd: string): Config {
  const isProduction = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host: env.HOST,
    publicUrl: env.PUBLIC_URL,
    dataDir: path.resolve(cwd, env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    jwtSecret: env.JWT_SECRET,
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    seedDemo: env.SEED_DEMO ? env.SEED_DEMO === 'true' : !isProduction,
  };
}
