/**
 * Which real servers the suite uses. With DATABASE_URL / REDIS_URL set, those; without,
 * the embedded defaults (in-memory PGlite, in-process cache). An unreachable server is
 * a failure, never a skip.
 */
export const testEnv = {
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  /** Set by global-setup: the migrated template database (Postgres) ... */
  templateDatabase: process.env.YF_TEST_TEMPLATE_DB || undefined,
  /** ... or the migrated PGlite dump (embedded). */
  pgliteDump: process.env.YF_TEST_PGLITE_DUMP || undefined,
};

/** `postgresql://…/name` with the database name replaced. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
