import { API_KEY_PATTERN, hashApiKey } from '../domain/api-key-secret';
import { ipAllowed } from '../domain/cidr';
import { signatureMatches } from '../domain/request-signing';
import { isScope, SCOPES, type Viewer } from '../domain/viewer';
import type { ApiKeyRepository, ApiKeyWithUser } from '../datasources/database/api-key.repository';
import type { UserRepository } from '../datasources/database/user.repository';
import { ForbiddenError, ServiceUnavailableError, UnauthenticatedError } from '../errors/errors';
import type { DatabaseAvailability } from '../datasources/database/availability';
import { isDatabaseUnavailable } from '../datasources/database/unavailable';
import type { Logger } from '../observability/logger';
import type { InvalidationBus } from './invalidation-bus';
import type { KeyLookupGuard } from './key-lookup-guard';
import { JwtError, verifyJwt } from './jwt';
import { withCause } from './security/refusal-cause';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOUCH_INTERVAL_MS = 60_000;
const KEY_CACHE_TTL_MS = 30_000;
const KEY_CACHE_MAX = 10_000;
/** Most API keys whose last write of `lastUsedAt` is remembered (to write it once a minute). */
export const MAX_TOUCHED_KEYS = 10_000;
/** Request signatures older or newer than this are refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The credentials a request or a WebSocket `connection_init` carried. */
export interface Credentials {
  apiKey?: string;
  authorization?: string;
  /** The client's address, for keys with an allow-list. */
  ip?: string;
}

/**
 * What a signed request carried, checked for keys that require signing: the headers
 * (or `connection_init` fields) and what the signature covers (see request-signing.ts).
 */
export interface SignedRequest {
  timestamp?: string;
  signature?: string;
  method: string;
  path: string;
  query: string;
  body: Buffer;
}

/** Token settings shared by issuing and verifying. */
export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
}

/** Remembers signatures seen within the tolerance, so that a replay is refused. */
export interface ReplayGuard {
  /** True the first time a signature is seen, false on a replay. */
  firstSeen(signature: string, ttlSeconds: number): Promise<boolean>;
  /** Whether a signature is remembered now (tests and diagnostics). */
  remembers(signature: string): Promise<boolean>;
}

/** Whose credentials changed (a key revoked or rotated; a user's plan, password or role). */
export interface CredentialsChange {
  apiKeyId?: string;
  userId?: string;
}

/**
 * The bus message saying a user's credentials changed (plan, password, role): every
 * replica forgets the user's cached keys and re-validates the user's sockets.
 */
export function userChangedMessage(userId: string): string {
  return `user:${userId}`;
}

/** A key as cached per process: its row, its viewer, and when it was read. */
interface CachedKey {
  key: ApiKeyWithUser;
  viewer: Viewer;
  at: number;
}

/** Turns credentials into a {@link Viewer}. */
export class AuthService {
  private readonly lastTouched = new Map<string, number>();
  private readonly keyCache = new Map<string, CachedKey>();
  /** Key lookups in flight, by hash (bounded by the requests in flight). */
  private readonly loading = new Map<string, Promise<CachedKey | null>>();
  private readonly changeListeners = new Set<(change: CredentialsChange) => void>();
  /** Bumped by every invalidation: a key read before one is not cached. */
  private generation = 0;

  constructor(
    private readonly deps: {
      apiKeys: ApiKeyRepository;
      users: UserRepository;
      tokens: TokenSettings;
      bus: InvalidationBus;
      replayGuard: ReplayGuard;
      logger: Logger;
      /** Refuses made-up keys without the database (unknown keys, lookups per address). */
      lookups?: KeyLookupGuard;
      /** Whether the database answers; without it, every lookup is tried. */
      database?: DatabaseAvailability;
      now?: () => Date;
    },
  ) {
    // A revocation anywhere clears the key here within the pub/sub round trip. A lookup
    // in flight read the row before the change: it is not cached (see loadKey), and
    // later requests start their own.
    deps.bus.onMessage((message) => {
      if (message.startsWith('apikey:')) {
        const [hash, apiKeyId] = message.slice('apikey:'.length).split(':');
        this.generation += 1;
        this.keyCache.delete(hash);
        this.loading.delete(hash);
        if (apiKeyId) for (const listener of this.changeListeners) listener({ apiKeyId });
      }
      if (message.startsWith('user:')) {
        const userId = message.slice('user:'.length);
        this.generation += 1;
        this.loading.clear();
        for (const [hash, { key }] of this.keyCache) {
          if (key.userId === userId) this.keyCache.delete(hash);
        }
        for (const listener of this.changeListeners) listener({ userId });
      }
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * The viewer for these credentials; null when none were sent. Credentials that were
   * sent but are wrong, expired or revoked throw UNAUTHENTICATED: a bad key never
   * silently downgrades to anonymous access. A key used from outside its allow-list is
   * FORBIDDEN.
   */
  async authenticate(
    credentials: Credentials,
    options: { fresh?: boolean } = {},
  ): Promise<Viewer | null> {
    if (credentials.apiKey !== undefined) {
      return this.authenticateApiKey(credentials.apiKey, credentials.ip, options.fresh ?? false);
    }
    if (credentials.authorization !== undefined) {
      return this.authenticateBearer(credentials.authorization);
    }
    return null;
  }

  /** API keys whose last `lastUsedAt` write is remembered now (bounded by {@link MAX_TOUCHED_KEYS}). */
  get touchedKeys(): number {
    return this.lastTouched.size;
  }

  /**
   * Forgets a key on every replica (after revocation or rotation) and tells each of them
   * that the key's credentials changed: its open WebSockets re-validate (and close with
   * 4401 when it no longer works).
   */
  async invalidateKey(hash: string, apiKeyId?: string): Promise<void> {
    await this.deps.bus.publish(apiKeyId ? `apikey:${hash}:${apiKeyId}` : `apikey:${hash}`);
  }

  /** Called on every replica when a key's or a user's credentials change. */
  onCredentialsChanged(listener: (change: CredentialsChange) => void): void {
    this.changeListeners.add(listener);
  }

  /**
   * Forgets every cached key of a user on every replica, whose sockets re-validate
   * (after a plan change, a password change, a promotion).
   */
  async invalidateUser(userId: string): Promise<void> {
    await this.deps.bus.publish(userChangedMessage(userId));
  }

  /**
   * For a key that requires signing: `x-yf-signature` must be the request's signature
   * (request-signing.ts: HMAC-SHA256 keyed with the key's signing secret over the method,
   * path, query string, key prefix, timestamp and the body's SHA-256), `x-yf-timestamp`
   * within 300 s of now, and the signature never seen before.
   */
  async checkSignature(viewer: Viewer, apiKey: string, request: SignedRequest): Promise<void> {
    if (!viewer.requireSignature) return;
    const { timestamp, signature } = request;
    if (!timestamp || !signature) {
      throw new UnauthenticatedError(
        'This key requires signed requests (x-yf-timestamp, x-yf-signature)',
      );
    }
    const seconds = Number(timestamp);
    const now = this.now().getTime() / 1_000;
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - seconds) > SIGNATURE_TOLERANCE_SECONDS) {
      throw new UnauthenticatedError(
        `x-yf-timestamp must be Unix seconds within ${SIGNATURE_TOLERANCE_SECONDS} s of now`,
      );
    }
    const hash = hashApiKey(apiKey.trim());
    const key = (this.keyCache.get(hash) ?? (await this.loadKey(hash)))?.key;
    if (!key?.signingSecret) {
      // Keys that signed with the key itself (before signing secrets) have none.
      throw new UnauthenticatedError(
        'This key has no signing secret: rotate it (rotateApiKey) to be issued one',
      );
    }
    const signed = { ...request, keyPrefix: key.prefix, timestamp };
    if (!signatureMatches(key.signingSecret, signed, signature)) {
      throw new UnauthenticatedError('Bad request signature');
    }
    if (
      !(await this.deps.replayGuard.firstSeen(
        signature.toLowerCase(),
        SIGNATURE_TOLERANCE_SECONDS * 2,
      ))
    ) {
      throw new UnauthenticatedError('This signature was already used (replay)');
    }
  }

  private async authenticateBearer(header: string): Promise<Viewer> {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <access token>"');
    let subject: string;
    let expiresAt: Date;
    let issuedAtMs: number;
    try {
      const claims = verifyJwt(match[1], this.deps.tokens.secret, {
        iss: this.deps.tokens.issuer,
        aud: this.deps.tokens.audience,
        now: Math.floor(this.now().getTime() / 1_000),
      });
      // A subject that is not a user id is refused here, before a uuid column sees it.
      if (!UUID.test(claims.sub)) throw new JwtError('subject is not a user id');
      subject = claims.sub;
      expiresAt = new Date(claims.exp * 1_000);
      issuedAtMs = claims.iat * 1_000;
    } catch (error) {
      if (error instanceof JwtError) {
        this.deps.logger.debug({ reason: error.reason }, 'access token refused');
        throw new UnauthenticatedError('Invalid or expired access token');
      }
      throw error;
    }
    const user = await this.deps.users.findById(subject);
    if (!user) throw new UnauthenticatedError('Invalid or expired access token');
    // A password change or a promotion ends the sessions signed in before it.
    if (user.sessionsValidAfter && issuedAtMs < user.sessionsValidAfter.getTime()) {
      throw new UnauthenticatedError('This session has ended; sign in again');
    }
    return {
      userId: user.id,
      email: user.email,
      plan: user.plan,
      role: user.role,
      scopes: [...SCOPES],
      requireSignature: false,
      expiresAt,
    };
  }

  private async authenticateApiKey(
    secret: string,
    ip: string | undefined,
    fresh: boolean,
  ): Promise<Viewer> {
    const trimmed = secret.trim();
    if (!API_KEY_PATTERN.test(trimmed)) {
      throw new UnauthenticatedError('Malformed API key: expected yf_live_… or yf_test_…');
    }
    const hash = hashApiKey(trimmed);
    const cached = fresh ? undefined : this.cachedKey(hash);
    if (cached) return this.admit(cached, ip);
    // The database is down: a key read before answers as read, without waiting on it.
    const known = this.deps.database?.down ? this.keyCache.get(hash) : undefined;
    if (known) return this.admit(known, ip);
    const { lookups } = this.deps;
    if (lookups?.isKnownUnknown(hash)) return this.admit(null, ip);
    lookups?.assertNotBlocked(ip);
    // Concurrent first requests of one key share one lookup.
    let pending = this.loading.get(hash);
    if (!pending) {
      const loading: Promise<CachedKey | null> = this.loadKeyOrStale(hash).finally(() => {
        // An invalidation may have replaced this lookup with a newer one: keep that.
        if (this.loading.get(hash) === loading) this.loading.delete(hash);
      });
      pending = loading;
      this.loading.set(hash, loading);
    }
    const loaded = await pending;
    if (!loaded) await lookups?.missed(hash, ip);
    return this.admit(loaded, ip);
  }

  /**
   * The viewer of an API key found in this process' key cache, without waiting: the
   * HTTP fast path's authentication. Undefined for anything else (a key not cached,
   * refused, or requiring signed requests): {@link authenticate} then decides, with
   * the error to give.
   */
  cachedApiKeyViewer(secret: string, ip: string | undefined): Viewer | undefined {
    const cached = this.cachedKey(hashApiKey(secret.trim()));
    if (!cached || cached.viewer.requireSignature) return undefined;
    try {
      return this.admit(cached, ip);
    } catch {
      return undefined;
    }
  }

  /** A key's viewer if it may be used now from `ip`; it throws otherwise. */
  private admit(cached: CachedKey | null, ip: string | undefined): Viewer {
    const now = this.now();
    if (!cached || cached.key.revokedAt || (cached.key.expiresAt && cached.key.expiresAt <= now)) {
      throw withCause(new UnauthenticatedError('Invalid, expired or revoked API key'), {
        kind: cached?.key.revokedAt ? 'KEY_REVOKED_USED' : 'KEY_REFUSED',
        apiKeyId: cached?.key.id,
        userId: cached?.key.userId,
      });
    }
    const { key, viewer } = cached;
    if (key.allowedIps.length > 0 && !(ip && ipAllowed(ip, key.allowedIps))) {
      throw withCause(new ForbiddenError('This API key may not be used from this address'), {
        kind: 'IP_NOT_ALLOWED',
        apiKeyId: key.id,
        userId: key.userId,
      });
    }
    this.touch(key.id, now);
    return viewer;
  }

  // Keys are cached briefly per process; revocation and rotation clear them everywhere
  // through the invalidation bus, and plan changes reach keys within the TTL.
  private cachedKey(hash: string): CachedKey | undefined {
    const cached = this.keyCache.get(hash);
    return cached && Date.now() - cached.at < KEY_CACHE_TTL_MS ? cached : undefined;
  }

  // While the database does not answer, a key this process already knew keeps working
  // as it was last read (nothing can revoke it meanwhile: revocation needs the database,
  // and a revocation from before the outage already cleared it through the bus). Keys
  // never seen get SERVICE_UNAVAILABLE.
  private async loadKeyOrStale(hash: string): Promise<CachedKey | null> {
    try {
      return await this.loadKey(hash);
    } catch (error) {
      if (!(this.deps.database?.report(error) ?? isDatabaseUnavailable(error))) throw error;
      const stale = this.keyCache.get(hash);
      if (!stale) throw new ServiceUnavailableError();
      return stale;
    }
  }

  private async loadKey(hash: string): Promise<CachedKey | null> {
    const generation = this.generation;
    const key = await this.deps.apiKeys.findByHash(hash);
    if (!key) return null;
    // One viewer per cached key: every request of the key shares it (it is read-only).
    const cached: CachedKey = {
      key,
      at: Date.now(),
      viewer: Object.freeze({
        userId: key.user.id,
        email: key.user.email,
        plan: key.user.plan,
        role: key.user.role,
        apiKeyId: key.id,
        scopes: Object.freeze(key.scopes.filter(isScope)),
        requireSignature: key.requireSignature,
        expiresAt: key.expiresAt,
        allowedIps: Object.freeze([...key.allowedIps]),
        keyLimits:
          key.requestsPerMinute !== null || key.requestsPerDay !== null
            ? Object.freeze({ perMinute: key.requestsPerMinute, perDay: key.requestsPerDay })
            : undefined,
      }),
    };
    // Read before an invalidation that arrived meanwhile: right for the request that
    // asked, not to be kept.
    if (generation !== this.generation) return cached;
    if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
    this.keyCache.set(hash, cached);
    return cached;
  }

  // lastUsedAt is informational: write it at most once a minute per key, off the
  // request's path, so that a hot key does not turn every read into a write.
  // The map is in touch order, and an entry older than the interval would touch anyway:
  // those at the front are dropped as new touches arrive, and it never holds more than
  // MAX_TOUCHED_KEYS (forgetting one only writes its lastUsedAt early).
  private touch(id: string, now: Date): void {
    const at = now.getTime();
    const last = this.lastTouched.get(id);
    if (last !== undefined && at - last < TOUCH_INTERVAL_MS) return;
    for (const [key, touched] of this.lastTouched) {
      if (at - touched < TOUCH_INTERVAL_MS) break;
      this.lastTouched.delete(key);
    }
    this.lastTouched.delete(id);
    if (this.lastTouched.size >= MAX_TOUCHED_KEYS) {
      this.lastTouched.delete(this.lastTouched.keys().next().value!);
    }
    this.lastTouched.set(id, at);
    this.deps.apiKeys.touch(id, now).catch((error: Error) => {
      this.deps.logger.warn({ err: error.message, apiKeyId: id }, 'could not record API key use');
    });
  }
}
