/**
 * `npm run migrate` applies the committed migrations to DATABASE_URL (or the embedded
 * database in DATA_DIR); `npm run migrate:create -- NAME` writes a new migration from
 * prisma/schema.prisma. Both use Prisma's WebAssembly schema engine, so neither needs
 * to download anything. Options: --prisma-dir DIR (default: ./prisma).
 */
import 'reflect-metadata';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load-config';
import { PRISMA_DIR } from '../src/config/paths';
import {
  migrationPool,
  openPglite,
  openPostgres,
  type Database,
} from '../src/datasources/database/database';
import { applyMigrations, createMigration } from '../src/datasources/database/migrator';

const USAGE = 'usage: migrate deploy | migrate create NAME [--prisma-dir DIR]';

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let prismaDir = PRISMA_DIR;
  const dirFlag = args.indexOf('--prisma-dir');
  if (dirFlag >= 0) {
    prismaDir = path.resolve(args[dirFlag + 1] ?? '');
    args.splice(dirFlag, 2);
  }
  const [command, name] = args;
  if (command !== 'deploy' && command !== 'create') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'create' && !(name && /^[A-Za-z0-9_]{1,64}$/.test(name))) {
    process.stderr.write(`migrate create: NAME must be 1-64 letters, digits or _\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(undefined, undefined, { signsTokens: false });
  const database: Database = config.databaseUrl
    ? openPostgres(config.databaseUrl, migrationPool(config.databasePool))
    : await openPglite({ dataDir: config.dataDir });
  try {
    if (command === 'deploy') {
      const applied = await applyMigrations({ adapterFactory: database.adapterFactory, prismaDir });
      process.stdout.write(
        applied.length
          ? `applied ${applied.length}: ${applied.join(', ')}\n`
          : 'database is up to date\n',
      );
    } else {
      const folder = await createMigration({
        adapterFactory: database.adapterFactory,
        prismaDir,
        name: name!,
      });
      process.stdout.write(
        folder ? `created prisma/migrations/${folder}/migration.sql\n` : 'no schema changes\n',
      );
    }
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    const lines = error instanceof ConfigError ? error.problems : [error.message];
    for (const line of lines) process.stderr.write(`migrate: ${line}\n`);
    process.exitCode = 1;
  },
);
