/**
 * `npm run retention` runs the retention job once (src/services/retention.service.ts):
 * prunes login attempts, refresh tokens, expired API keys, security events and ended
 * login-throttle windows past their horizons, and rolls usage rows up into hours and
 * days, with the RETENTION_* settings. For a cron job where the server's schedule is
 * off (RETENTION_ENABLED=false); safe beside running replicas. Uses the configured
 * database (DATABASE_URL, or the embedded one in DATA_DIR, which no server may hold),
 * migrated. Prints one line per step; exits 1 when a step failed.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../src/config/load-config';
import { openPglite, openPostgres } from '../src/datasources/database/database';
import { applyMigrations } from '../src/datasources/database/migrator';
import { ApiKeyRepository } from '../src/datasources/database/api-key.repository';
import { LoginThrottleRepository } from '../src/datasources/database/login-throttle.repository';
import { SecurityEventRepository } from '../src/datasources/database/security-event.repository';
import { SessionRepository } from '../src/datasources/database/session.repository';
import { UsageRepository } from '../src/datasources/database/usage.repository';
import { createLogger } from '../src/observability/logger';
import { RetentionJob } from '../src/services/retention.service';

async function main(): Promise<number> {
  const config = loadConfig(undefined, undefined, { signsTokens: false });
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const database = config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : await openPglite({ dataDir: config.dataDir });
  try {
    await applyMigrations({ adapterFactory: database.adapterFactory });
    const { prisma } = database;
    const job = new RetentionJob({
      stores: {
        sessions: new SessionRepository(prisma),
        apiKeys: new ApiKeyRepository(prisma),
        usage: new UsageRepository(prisma),
        securityEvents: new SecurityEventRepository(prisma),
        // With Redis the throttle's windows expire there; the table is then unused.
        ...(config.redisUrl ? {} : { loginThrottle: new LoginThrottleRepository(prisma) }),
      },
      settings: config.retention,
      logger,
    });
    const report = await job.run();
    for (const o of report.outcomes) {
      const what =
        o.action === 'pruned'
          ? `pruned ${o.rows}`
          : o.skipped
            ? 'skipped (another run holds the lock)'
            : `merged ${o.rows} rows into ${o.written}`;
      process.stdout.write(`${o.table}${o.grain ? ` (${o.grain})` : ''}: ${what}\n`);
    }
    for (const step of report.failed) process.stderr.write(`retention: ${step} failed\n`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError)
      process.stderr.write(`config error: ${error.problems.join('\n')}\n`);
    else process.stderr.write(`retention failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
