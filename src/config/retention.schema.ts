import { z } from 'zod';

const days = (fallback: number) => z.coerce.number().int().min(1).max(3_650).default(fallback);

/**
 * The retention job's variables (spread into the environment schema). Defaults: login
 * attempts 90 days (an audit trail; throttling reads `login_throttles`, not them),
 * refresh tokens and expired keys a grace after they stopped working, usage rows per
 * second for 3 days, per hour until 35 days, per UTC day after.
 */
export const retentionEnv = {
  RETENTION_ENABLED: z.enum(['true', 'false']).default('true'),
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1_440).default(60),
  RETENTION_LOGIN_ATTEMPT_DAYS: days(90),
  RETENTION_REFRESH_TOKEN_GRACE_DAYS: days(7),
  RETENTION_EXPIRED_KEY_GRACE_DAYS: days(90),
  RETENTION_USAGE_HOURLY_AFTER_DAYS: days(3),
  RETENTION_USAGE_DAILY_AFTER_DAYS: days(35),
};

type RetentionEnv = { [K in keyof typeof retentionEnv]: z.infer<(typeof retentionEnv)[K]> };

/** What the retention job keeps, and how often it runs (src/services/retention.service.ts). */
export interface RetentionSettings {
  /** Run the job in the server, every `intervalMs` (false: only `npm run retention`). */
  enabled: boolean;
  intervalMs: number;
  /** Login attempts older than this are deleted. */
  loginAttemptDays: number;
  /** Refresh tokens expired or revoked longer ago than this are deleted. */
  refreshTokenGraceDays: number;
  /** API keys expired longer ago than this are deleted (their usage stays). */
  expiredKeyGraceDays: number;
  /** Usage rows older than this are merged into one per UTC hour. */
  usageHourlyAfterDays: number;
  /** Usage rows older than this are merged into one per UTC day. */
  usageDailyAfterDays: number;
  /** Security events older than this are deleted (SECURITY_EVENT_RETENTION_DAYS). */
  securityEventDays: number;
}

/** The settings of validated variables. */
export function toRetentionSettings(
  env: RetentionEnv & { SECURITY_EVENT_RETENTION_DAYS: number },
): RetentionSettings {
  return {
    enabled: env.RETENTION_ENABLED === 'true',
    intervalMs: env.RETENTION_INTERVAL_MINUTES * 60_000,
    loginAttemptDays: env.RETENTION_LOGIN_ATTEMPT_DAYS,
    refreshTokenGraceDays: env.RETENTION_REFRESH_TOKEN_GRACE_DAYS,
    expiredKeyGraceDays: env.RETENTION_EXPIRED_KEY_GRACE_DAYS,
    usageHourlyAfterDays: env.RETENTION_USAGE_HOURLY_AFTER_DAYS,
    usageDailyAfterDays: env.RETENTION_USAGE_DAILY_AFTER_DAYS,
    securityEventDays: env.SECURITY_EVENT_RETENTION_DAYS,
  };
}

/** Problems between the variables, one line each (empty when none). */
export function retentionProblems(settings: RetentionSettings): string[] {
  if (settings.usageDailyAfterDays >= settings.usageHourlyAfterDays) return [];
  return [
    `RETENTION_USAGE_DAILY_AFTER_DAYS: must be at least RETENTION_USAGE_HOURLY_AFTER_DAYS (${settings.usageHourlyAfterDays})`,
  ];
}
