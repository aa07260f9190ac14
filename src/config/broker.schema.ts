import { z } from 'zod';

const secret = () =>
  z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined));

const baseUrl = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : fallback))
    .refine((value) => /^https?:\/\/[^\s]+$/.test(value), {
      message: 'must be a URL starting with http:// or https://',
    })
    .transform((value) => value.replace(/\/+$/, ''));

/** Documented endpoints of each broker (README "Broker sync"). */
export const BROKER_DEFAULTS = {
  kiteBaseUrl: 'https://api.kite.trade',
  kiteLoginUrl: 'https://kite.zerodha.com/connect/login',
  upstoxBaseUrl: 'https://api.upstox.com',
  upstoxLoginUrl: 'https://api.upstox.com/v2/login/authorization/dialog',
} as const;

// The redirect URI is sent as registered with the app (Upstox compares it exactly).
const redirectUri = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : undefined))
    .refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), {
      message: 'must be a URL starting with http:// or https://',
    });

/**
 * The broker-sync variables (spread into the environment schema). BROKER_TOKEN_KEY is
 * the AES-256-GCM key of the stored broker tokens: 32 bytes, base64. It is checked when
 * set, whether or not a broker is configured, so that a malformed key is never found
 * out by the first user who connects.
 */
export const brokerEnv = {
  BROKER_TOKEN_KEY: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined))
    .refine((value) => value === undefined || tokenKeyOf(value) !== null, {
      message: 'must be 32 bytes in base64 (openssl rand -base64 32)',
    }),
  KITE_API_KEY: secret(),
  KITE_API_SECRET: secret(),
  KITE_BASE_URL: baseUrl(BROKER_DEFAULTS.kiteBaseUrl),
  KITE_LOGIN_URL: baseUrl(BROKER_DEFAULTS.kiteLoginUrl),
  UPSTOX_CLIENT_ID: secret(),
  UPSTOX_CLIENT_SECRET: secret(),
  UPSTOX_REDIRECT_URI: redirectUri(),
  UPSTOX_BASE_URL: baseUrl(BROKER_DEFAULTS.upstoxBaseUrl),
  UPSTOX_LOGIN_URL: baseUrl(BROKER_DEFAULTS.upstoxLoginUrl),
};

type BrokerEnv = { [K in keyof typeof brokerEnv]: z.infer<(typeof brokerEnv)[K]> };

/** The 32-byte key in `text` (standard base64, padding optional), or null. */
export function tokenKeyOf(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const key = Buffer.from(text, 'base64');
  return key.length === 32 ? key : null;
}

/** Zerodha Kite Connect: an app's key and secret, and where its API and login live. */
export interface KiteSettings {
  apiKey: string;
  apiSecret: string;
  baseUrl: string;
  loginUrl: string;
}

/** Upstox API v2: an app's client id and secret, its registered redirect URI, and where
 * its API and authorization dialog live. */
export interface UpstoxSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  baseUrl: string;
  loginUrl: string;
}

/** Which brokers this gateway can sync, and the key their tokens are encrypted with. */
export interface BrokerSettings {
  /** BROKER_TOKEN_KEY decoded; null when unset. */
  tokenKey: Buffer | null;
  /** Null when KITE_API_KEY / KITE_API_SECRET are not both set. */
  kite: KiteSettings | null;
  /** Null unless UPSTOX_CLIENT_ID, UPSTOX_CLIENT_SECRET and UPSTOX_REDIRECT_URI are all set. */
  upstox: UpstoxSettings | null;
}

/** The settings of validated variables. */
export function toBrokerSettings(env: BrokerEnv): BrokerSettings {
  return {
    tokenKey: env.BROKER_TOKEN_KEY ? tokenKeyOf(env.BROKER_TOKEN_KEY) : null,
    kite:
      env.KITE_API_KEY && env.KITE_API_SECRET
        ? {
            apiKey: env.KITE_API_KEY,
            apiSecret: env.KITE_API_SECRET,
            baseUrl: env.KITE_BASE_URL,
            loginUrl: env.KITE_LOGIN_URL,
          }
        : null,
    upstox:
      env.UPSTOX_CLIENT_ID && env.UPSTOX_CLIENT_SECRET && env.UPSTOX_REDIRECT_URI
        ? {
            clientId: env.UPSTOX_CLIENT_ID,
            clientSecret: env.UPSTOX_CLIENT_SECRET,
            redirectUri: env.UPSTOX_REDIRECT_URI,
            baseUrl: env.UPSTOX_BASE_URL,
            loginUrl: env.UPSTOX_LOGIN_URL,
          }
        : null,
  };
}

/** Problems between the variables, one line each (empty when none). */
export function brokerProblems(env: BrokerEnv): string[] {
  const problems: string[] = [];
  if (Boolean(env.KITE_API_KEY) !== Boolean(env.KITE_API_SECRET)) {
    problems.push(
      env.KITE_API_KEY
        ? 'KITE_API_SECRET: required because KITE_API_KEY is set'
        : 'KITE_API_KEY: required because KITE_API_SECRET is set',
    );
  }
  const upstox = {
    UPSTOX_CLIENT_ID: env.UPSTOX_CLIENT_ID,
    UPSTOX_CLIENT_SECRET: env.UPSTOX_CLIENT_SECRET,
    UPSTOX_REDIRECT_URI: env.UPSTOX_REDIRECT_URI,
  };
  const upstoxSet = Object.entries(upstox).filter(([, value]) => value);
  if (upstoxSet.length > 0) {
    for (const [name, value] of Object.entries(upstox)) {
      if (!value) problems.push(`${name}: required because ${upstoxSet[0][0]} is set`);
    }
  }
  const configured = [
    ...(env.KITE_API_KEY && env.KITE_API_SECRET ? ['KITE_API_KEY'] : []),
    ...(upstoxSet.length === 3 ? ['UPSTOX_CLIENT_ID'] : []),
  ];
  if (configured.length > 0 && !env.BROKER_TOKEN_KEY) {
    problems.push(
      `BROKER_TOKEN_KEY: required because a broker (${configured.join(', ')}) is configured: 32 bytes in base64`,
    );
  }
  return problems;
}
