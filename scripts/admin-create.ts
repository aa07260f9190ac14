/**
 * `npm run admin:create -- --email E` creates an administrator (or promotes an existing
 * account, resets its password, ends its sessions and revokes its API keys). The password comes from ADMIN_PASSWORD, or from
 * stdin (one line), never from the command line where `ps` would show it. Uses the
 * configured database (DATABASE_URL, or the embedded one in DATA_DIR), migrated.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import { ConfigError, loadConfig } from '../src/config/load-config';
import { openPglite, openPostgres } from '../src/datasources/database/database';
import { applyMigrations } from '../src/datasources/database/migrator';
import { ApiKeyRepository } from '../src/datasources/database/api-key.repository';
import { UserRepository } from '../src/datasources/database/user.repository';
import { closeRedis, openRedis } from '../src/datasources/cache/redis';
import { createLogger } from '../src/observability/logger';
import { createOrPromoteAdmin } from '../src/services/admin-accounts';
import { InvalidationBus } from '../src/services/invalidation-bus';
import { normalizeEmail, passwordProblem } from '../src/domain/passwords';
import { ARGON2_OPTIONS } from '../src/services/account.service';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0].replace(/\r$/, '');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' } } });
  const email = normalizeEmail(values.email ?? '');
  if (!email) {
    process.stderr.write('usage: admin:create --email E (password from ADMIN_PASSWORD or stdin)\n');
    return 2;
  }
  const password = process.env.ADMIN_PASSWORD ?? (await readStdin());
  const problem = passwordProblem(password);
  if (problem) {
    process.stderr.write(`admin:create: password ${problem}\n`);
    return 2;
  }
  const config = loadConfig(undefined, undefined, { signsTokens: false });
  // Running replicas hear of a promotion on the bus (with Redis) and close the account's
  // sockets at once; without Redis their periodic re-validation does it within a minute.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const redis = config.redisUrl
    ? openRedis({
        url: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
        commandTimeoutMs: config.redisCommandTimeoutMs,
        logger,
      })
    : null;
  const bus = new InvalidationBus(redis, config.redisKeyPrefix, logger);
  const database = config.databaseUrl
    ? openPostgres(config.databaseUrl, config.databasePool)
    : await openPglite({ dataDir: config.dataDir });
  try {
    await applyMigrations({ adapterFactory: database.adapterFactory });
    const passwordHash = await argon2.hash(password, ARGON2_OPTIONS);
    const outcome = await createOrPromoteAdmin(
      {
        users: new UserRepository(database.prisma),
        apiKeys: new ApiKeyRepository(database.prisma),
        bus,
      },
      email,
      passwordHash,
    );
    const { id } = outcome.user;
    process.stdout.write(
      outcome.kind === 'created'
        ? `created admin ${email} (${id})\n`
        : `promoted ${email} (${id}) to admin and set its password; ended its sessions and revoked its ${outcome.revokedKeys} API key(s)\n`,
    );
    return 0;
  } finally {
    await database.close();
    if (redis) await closeRedis(redis);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError)
      process.stderr.write(`config error: ${error.problems.join('\n')}\n`);
    else process.stderr.write(`admin:create failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
