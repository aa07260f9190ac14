import { API_KEY_PATTERN, hashApiKey } from '../domain/api-key-secret';
import { SCOPES, type Scope, type Viewer } from '../domain/viewer';
import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import { UnauthenticatedError } from '../errors/errors';
import type { Logger } from '../observability/logger';

const TOUCH_INTERVAL_MS = 60_000;

/** The credentials a request or a WebSocket `connection_init` carried. */
export interface Credentials {
  apiKey?: string;
  authorization?: string;
}

/** Turns credentials into a {@link Viewer}. */
export class AuthService {
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly apiKeys: ApiKeyRepository,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The viewer for these credentials; null when none were sent. Credentials that were
   * sent but are wrong, expired or revoked throw {@link UnauthenticatedError}: a bad key
   * never silently downgrades to anonymous access.
   */
  async authenticate(credentials: Credentials): Promise<Viewer | null> {
    if (credentials.apiKey !== undefined) return this.authenticateApiKey(credentials.apiKey);
    if (credentials.authorization !== undefined) {
      throw new UnauthenticatedError('Bearer tokens are not accepted yet; use x-api-key');
    }
    return null;
  }

  private async authenticateApiKey(secret: string): Promise<Viewer> {
    const trimmed = secret.trim();
    if (!API_KEY_PATTERN.test(trimmed)) {
      throw new UnauthenticatedError('Malformed API key: expected yf_live_… or yf_test_…');
    }
    const key = await this.apiKeys.findByHash(hashApiKey(trimmed));
    const now = this.now();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
      throw new UnauthenticatedError('Invalid, expired or revoked API key');
    }
    this.touch(key.id, now);
    return {
      userId: key.user.id,
      email: key.user.email,
      plan: key.user.plan,
      role: key.user.role,
      apiKeyId: key.id,
      scopes: key.scopes.filter((scope): scope is Scope =>
        (SCOPES as readonly string[]).includes(scope),
      ),
    };
  }

  // lastUsedAt is informational: write it at most once a minute per key, off the
  // request's path, so that a hot key does not turn every read into a write.
  private touch(id: string, now: Date): void {
    const last = this.lastTouched.get(id) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(id, now.getTime());
    this.apiKeys.touch(id, now).catch((error: Error) => {
      this.logger.warn({ err: error.message, apiKeyId: id }, 'could not record API key use');
    });
  }
}
