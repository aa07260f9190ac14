import { issueApiKeySecret, issueSigningSecret } from '../domain/api-key-secret';
import { isCidr } from '../domain/cidr';
import { isScope, type Scope, type Viewer } from '../domain/viewer';
import type { ApiKeyRepository } from '../datasources/database/api-key.repository';
import type { ApiKey } from '../generated/prisma/client';
import { mintedKeyTerms } from '../domain/key-terms';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors/errors';
import type { AuthService } from './auth.service';
import { ARGUMENT_LIMITS } from '../domain/argument-limits';

/** Longest rotation grace period: 30 days. */
export const MAX_GRACE_SECONDS = ARGUMENT_LIMITS.gracePeriodSeconds.max;
const MAX_KEYS_PER_USER = 100;

/** A new key and its secret (and, for a key that signs, its signing secret), shown this once. */
export interface IssuedKey {
  apiKey: ApiKey;
  secret: string;
  signingSecret: string | null;
}

/** Largest sub-limit a key may carry (any plan's limits are far below it). */
export const MAX_KEY_LIMIT = 1_000_000_000;

export interface NewKeyInput {
  name: string;
  scopes?: Scope[] | null;
  expiresAt?: Date | null;
  allowedIps?: string[] | null;
  requireSignature?: boolean | null;
  /** The key's own limits, below its account's plan (null: the plan's alone). */
  requestsPerMinute?: number | null;
  requestsPerDay?: number | null;
}

function keyLimit(value: number | null | undefined, argument: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_KEY_LIMIT) {
    throw new BadUserInputError(`${argument} must be a whole number from 1 to ${MAX_KEY_LIMIT}`, {
      argument,
    });
  }
  return value;
}

/**
 * API keys of the viewer's own account. Someone else's key id reads as NOT_FOUND (never
 * FORBIDDEN: no existence oracle). A key minted by a key never exceeds it (scopes, IP
 * allow-list, expiry, signing: {@link mintedKeyTerms}); asking for more is FORBIDDEN.
 */
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly auth: AuthService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(viewer: Viewer): Promise<ApiKey[]> {
    return this.keys.listByUser(viewer.userId);
  }

  async create(viewer: Viewer, input: NewKeyInput, rotatedFromId?: string): Promise<IssuedKey> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 64) {
      throw new BadUserInputError('name must be 1-64 characters', { argument: 'name' });
    }
    if (input.expiresAt && input.expiresAt <= this.now()) {
      throw new BadUserInputError('expiresAt must be in the future', { argument: 'expiresAt' });
    }
    const requestedIps = input.allowedIps?.map((ip) => ip.trim()) ?? null;
    const bad = (requestedIps ?? []).filter((ip) => !isCidr(ip));
    if (bad.length > 0 || (requestedIps?.length ?? 0) > 50) {
      throw new BadUserInputError(
        bad.length > 0
          ? `Not an IP address or CIDR block: ${bad.join(', ')}`
          : 'At most 50 allowedIps entries',
        { argument: 'allowedIps' },
      );
    }
    const decision = mintedKeyTerms(viewer, { ...input, allowedIps: requestedIps });
    if (!decision.ok) throw new ForbiddenError(decision.message, decision.extensions);
    const { scopes, allowedIps, expiresAt, requireSignature } = decision.terms;
    if (scopes.length === 0) {
      throw new BadUserInputError('scopes must name at least one scope', {
        argument: 'scopes',
        allowed: [...viewer.scopes],
      });
    }
    const requestsPerMinute = keyLimit(input.requestsPerMinute, 'requestsPerMinute');
    const requestsPerDay = keyLimit(input.requestsPerDay, 'requestsPerDay');
    const existing = await this.keys.listByUser(viewer.userId);
    if (existing.filter((k) => !k.revokedAt).length >= MAX_KEYS_PER_USER) {
      throw new BadUserInputError(`At most ${MAX_KEYS_PER_USER} active keys per account`, {
        argument: 'name',
      });
    }
    const issued = issueApiKeySecret('live');
    const signingSecret = requireSignature ? issueSigningSecret() : null;
    const apiKey = await this.keys.create({
      userId: viewer.userId,
      name,
      hash: issued.hash,
      prefix: issued.prefix,
      lastFour: issued.lastFour,
      scopes,
      expiresAt,
      allowedIps,
      requireSignature,
      signingSecret,
      requestsPerMinute,
      requestsPerDay,
      rotatedFromId: rotatedFromId ?? null,
    });
    return { apiKey, secret: issued.secret, signingSecret };
  }

  /** Revokes at once, on every replica. */
  async revoke(viewer: Viewer, id: string): Promise<ApiKey> {
    const key = await this.owned(viewer, id);
    const revoked = key.revokedAt ? key : await this.keys.revoke(key.id, this.now());
    await this.auth.invalidateKey(key.hash, key.id);
    return revoked;
  }

  /**
   * Issues a replacement with the same name, scopes, allow-list, signing and limits (and,
   * for a key that signs, a new signing secret: the old one ends with the old key); the old key
   * keeps working for `gracePeriodSeconds` (0 = ends now), never longer than it would have.
   */
  async rotate(viewer: Viewer, id: string, gracePeriodSeconds: number): Promise<IssuedKey> {
    if (
      !Number.isInteger(gracePeriodSeconds) ||
      gracePeriodSeconds < 0 ||
      gracePeriodSeconds > MAX_GRACE_SECONDS
    ) {
      throw new BadUserInputError(`gracePeriodSeconds must be 0-${MAX_GRACE_SECONDS}`, {
        argument: 'gracePeriodSeconds',
        max: MAX_GRACE_SECONDS,
      });
    }
    const old = await this.owned(viewer, id);
    if (old.revokedAt || (old.expiresAt && old.expiresAt <= this.now())) {
      throw new BadUserInputError('This key is revoked or expired; create a new one', {
        argument: 'id',
      });
    }
    const issued = await this.create(
      viewer,
      {
        name: old.name,
        scopes: old.scopes.filter(isScope),
        expiresAt: old.expiresAt,
        allowedIps: old.allowedIps,
        requireSignature: old.requireSignature,
        requestsPerMinute: old.requestsPerMinute,
        requestsPerDay: old.requestsPerDay,
      },
      old.id,
    );
    await this.keys.expireBy(
      old.id,
      new Date(this.now().getTime() + gracePeriodSeconds * 1_000),
      old.expiresAt,
    );
    await this.auth.invalidateKey(old.hash, old.id);
    return issued;
  }

  private async owned(viewer: Viewer, id: string): Promise<ApiKey> {
    const key = /^[0-9a-f-]{36}$/i.test(id) ? await this.keys.findOwned(id, viewer.userId) : null;
    if (!key) throw new NotFoundError('No such API key');
    return key;
  }
}
