import { randomBytes } from 'node:crypto';
import { readSecretFile, writeSecretFile } from '../datasources/data-dir';

/**
 * The secret that signs access tokens: JWT_SECRET when set (required in production,
 * enforced by config), else one generated once and kept in DATA_DIR/jwt-secret
 * (mode 0600) so that tokens survive a development restart.
 */
export async function resolveJwtSecret(
  configured: string | undefined,
  dataDir: string,
): Promise<string> {
  if (configured) return configured;
  const kept = await readSecretFile(dataDir, 'jwt-secret');
  if (kept.length >= 32) return kept;
  const secret = randomBytes(48).toString('base64url');
  await writeSecretFile(dataDir, 'jwt-secret', secret);
  return secret;
}
