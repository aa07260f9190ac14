import path from 'node:path';
import { readSecretFile, writeSecretFile } from '../datasources/data-dir';
import { API_KEY_PATTERN, hashApiKey, issueApiKeySecret } from '../domain/api-key-secret';
import { DEFAULT_KEY_SCOPES } from '../domain/viewer';
import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import type { UserRepository } from '../datasources/database/user.repository';

/** The demo account's email. */
export const DEMO_EMAIL = 'demo@yieldflow.local';

/** What {@link DemoSeedService.ensure} found or made. */
export interface DemoAccount {
  email: string;
  apiKey: string;
  /** True when this call created the key (first start, or the key file was lost). */
  created: boolean;
  keyFile: string;
}

/**
 * Seeds the demo account (PRO plan) with a `yf_test_` key, and keeps the key in
 * DATA_DIR/demo-key.txt (mode 0600) so that later starts print the same key without
 * seeding anything again.
 */
export class DemoSeedService {
  constructor(
    private readonly users: UserRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly dataDir: string,
  ) {}

  async ensure(): Promise<DemoAccount> {
    const keyFile = path.join(this.dataDir, 'demo-key.txt');
    const user = await this.users.upsertByEmail({ email: DEMO_EMAIL, plan: 'PRO', isDemo: true });
    const kept = await readSecretFile(this.dataDir, 'demo-key.txt');
    if (API_KEY_PATTERN.test(kept)) {
      const key = await this.apiKeys.findByHash(hashApiKey(kept));
      if (key && key.userId === user.id && !key.revokedAt) {
        return { email: DEMO_EMAIL, apiKey: kept, created: false, keyFile };
      }
    }
    // No usable key here: a first start, a DATA_DIR that was wiped, or a replica with
    // its own DATA_DIR on a shared database. Issue a key rather than a second user.
    const issued = issueApiKeySecret('test');
    await this.apiKeys.create({
      userId: user.id,
      name: 'demo',
      hash: issued.hash,
      prefix: issued.prefix,
      lastFour: issued.lastFour,
      // Printed and shown in the IDE: it does not manage the account (no manage:account).
      scopes: [...DEFAULT_KEY_SCOPES],
    });
    await writeSecretFile(this.dataDir, 'demo-key.txt', issued.secret);
    return { email: DEMO_EMAIL, apiKey: issued.secret, created: true, keyFile };
  }
}
