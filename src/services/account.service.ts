import { createHash, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { SessionRepository } from '../datasources/database/session.repository';
import type { UserRepository } from '../datasources/database/user.repository';
import { normalizeEmail, passwordProblem } from '../domain/passwords';
import { PLAN_NAMES, type PlanName } from '../domain/plans';
import type { Viewer } from '../domain/viewer';
import type { User } from '../generated/prisma/client';
import {
  BadUserInputError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
} from '../errors/errors';
import type { Logger } from '../observability/logger';
import type { AuthService, TokenSettings } from './auth.service';
import type { BillingProvider } from './billing';
import { signJwt } from './jwt';
import type { LoginThrottleStore } from './login-throttle';
import type { SecurityEvents } from './security/security-events.service';

/** argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Access tokens live 15 minutes; refresh tokens 30 days, rotating on every use. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const REFRESH_TOKEN_DAYS = 30;

/**
 * Sign-in attempts checked per account and per IP in the throttle window: a window starts
 * with a subject's first failed attempt; a successful sign-in ends its account's window.
 */
export const LOGIN_THROTTLE = { windowMs: 15 * 60_000, perAccount: 5, perIp: 20 };

/** What register, login and refreshToken give. */
export interface Session {
  accessToken: string;
  /** When the access token expires. */
  expiresAt: Date;
  refreshToken: string;
  user: User;
}

const throttled = (resetMs: number) =>
  new RateLimitedError(
    'Too many failed sign-in attempts; try again later',
    Math.max(1, Math.ceil(resetMs / 1_000)),
  );

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Accounts: sign-up, sign-in, sessions and plans. */
export class AccountService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly deps: {
      users: UserRepository;
      sessions: SessionRepository;
      /** Reserved sign-in attempts (Redis, or the database). */
      throttle: LoginThrottleStore;
      auth: AuthService;
      /** Failed sign-ins and reused refresh tokens are security events. */
      security?: SecurityEvents;
      tokens: TokenSettings;
      billing: BillingProvider;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Creates a FREE account (email normalised and unique) and signs it in. */
  async register(rawEmail: string, password: string): Promise<Session> {
    const email = normalizeEmail(rawEmail);
    if (!email) {
      throw new BadUserInputError('email is not a valid address', { argument: 'email' });
    }
    const problem = passwordProblem(password);
    if (problem) {
      throw new BadUserInputError(`password ${problem}`, { argument: 'password', problem });
    }
    const passwordHash = await argon2.hash(password, ARGON2_OPTIONS);
    const user = await this.deps.users.create({ email, passwordHash });
    if (!user) {
      throw new BadUserInputError('An account with this email already exists', {
        argument: 'email',
        problem: 'taken',
      });
    }
    return this.issueSession(user, randomUUID());
  }

  /**
   * Signs in. Each attempt first reserves one of the account's 5 and the IP's 20 attempts
   * per 15 minutes, atomically in the throttle store, and only a reserved attempt has its
   * password checked: concurrent guesses check at most 5 passwords of an account. Without a
   * reservation it is RATE_LIMITED. A success gives its reservations back and ends the
   * account's window; a failure keeps them. Unknown emails cost the same argon2 work.
   */
  async login(rawEmail: string, password: string, ip: string): Promise<Session> {
    const email = normalizeEmail(rawEmail) ?? rawEmail.trim().toLowerCase().slice(0, 254);
    const subjects = await this.reserve(email, ip);
    const user = await this.deps.users.findByEmail(email);
    const ok = user?.passwordHash
      ? await argon2.verify(user.passwordHash, password)
      : await argon2.verify(await this.dummy(), password).then(() => false);
    await this.deps.sessions.recordLogin(email, ip, ok);
    if (!ok || !user) {
      await this.deps.security?.record({
        kind: 'LOGIN_FAILED',
        ip,
        userId: user?.id ?? null,
        detail: { email, account: user ? 'known' : 'unknown' },
      });
      throw new UnauthenticatedError('Wrong email or password');
    }
    await Promise.all([
      this.deps.throttle.clear(subjects.account),
      this.deps.throttle.release(subjects.address),
    ]);
    return this.issueSession(user, randomUUID());
  }

  /**
   * Exchanges a refresh token for a new session. Each token works once: presenting a
   * used (rotated) token again revokes its whole family, every session of that login.
   */
  async refresh(token: string, ip?: string): Promise<Session> {
    const row = await this.deps.sessions.findRefreshToken(hashToken(token));
    const now = this.now();
    if (!row || row.revokedAt || row.expiresAt <= now) {
      throw new UnauthenticatedError('Invalid or expired refresh token');
    }
    if (row.usedAt || !(await this.deps.sessions.markUsed(row.id, now))) {
      await this.deps.sessions.revokeFamily(row.familyId, now);
      this.deps.logger.warn(
        { userId: row.userId, familyId: row.familyId },
        'refresh token reused; family revoked',
      );
      await this.deps.security?.record({
        kind: 'REFRESH_TOKEN_REUSED',
        ip: ip ?? null,
        userId: row.userId,
        detail: { familyId: row.familyId },
      });
      throw new UnauthenticatedError('Refresh token already used; sign in again');
    }
    const user = await this.deps.users.findById(row.userId);
    if (!user) throw new UnauthenticatedError('Invalid or expired refresh token');
    return this.issueSession(user, row.familyId);
  }

  /** Ends the caller's sign-in the refresh token belongs to (its whole family). */
  async logout(viewer: Viewer, token: string): Promise<boolean> {
    const row = await this.deps.sessions.findRefreshToken(hashToken(token));
    if (!row || row.userId !== viewer.userId) return false;
    await this.deps.sessions.revokeFamily(row.familyId, this.now());
    return true;
  }

  /**
   * Changes a plan. Admins change anyone's; users may move their own account down.
   * Upgrades go through the billing provider (src/services/billing.ts), which applies
   * them or refuses.
   */
  async changePlan(viewer: Viewer, plan: PlanName, userId?: string | null): Promise<User> {
    const targetId = userId ?? viewer.userId;
    if (targetId !== viewer.userId && viewer.role !== 'ADMIN') {
      throw new NotFoundError('No such user');
    }
    const user = await this.deps.users.findById(targetId);
    if (!user) throw new NotFoundError('No such user');
    const rank = (name: PlanName) => PLAN_NAMES.indexOf(name);
    if (viewer.role !== 'ADMIN' && rank(plan) > rank(user.plan)) {
      const outcome = await this.deps.billing.requestUpgrade(user, plan);
      if (outcome !== 'applied') {
        throw new ForbiddenError(`Upgrading to ${plan} goes through billing`);
      }
    }
    const updated = await this.deps.users.setPlan(user.id, plan);
    await this.deps.auth.invalidateUser(user.id);
    return updated;
  }

  /**
   * Changes the caller's password after checking the current one (wrong: FORBIDDEN). Every
   * sign-in of the account ends: refresh tokens are revoked, access tokens issued before
   * now are refused, and live sockets signed in with them close on every replica. API keys
   * stay valid.
   */
  async changePassword(
    viewer: Viewer,
    currentPassword: string,
    newPassword: string,
  ): Promise<boolean> {
    const user = await this.deps.users.findById(viewer.userId);
    if (!user) throw new UnauthenticatedError('Invalid or expired credentials');
    const ok = user.passwordHash ? await argon2.verify(user.passwordHash, currentPassword) : false;
    if (!ok) throw new ForbiddenError('The current password is wrong');
    const problem = passwordProblem(newPassword);
    if (problem) {
      throw new BadUserInputError(`newPassword ${problem}`, { argument: 'newPassword', problem });
    }
    const passwordHash = await argon2.hash(newPassword, ARGON2_OPTIONS);
    await this.deps.users.resetCredentials(user.id, { passwordHash }, this.now());
    await this.deps.auth.invalidateUser(user.id);
    return true;
  }

  /** Reserves an attempt of the account and of the address, both or neither. */
  private async reserve(email: string, ip: string): Promise<{ account: string; address: string }> {
    const { throttle } = this.deps;
    const { windowMs, perAccount, perIp } = LOGIN_THROTTLE;
    const account = `email:${email}`;
    const address = `ip:${ip}`;
    const byAccount = await throttle.reserve(account, perAccount, windowMs);
    if (!byAccount.reserved) throw throttled(byAccount.resetMs);
    const byAddress = await throttle.reserve(address, perIp, windowMs);
    if (!byAddress.reserved) {
      await throttle.release(account);
      throw throttled(byAddress.resetMs);
    }
    return { account, address };
  }

  private dummy(): Promise<string> {
    return (this.dummyHash ??= argon2.hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS));
  }

  private async issueSession(user: User, familyId: string): Promise<Session> {
    const now = this.now();
    const iat = Math.floor(now.getTime() / 1_000);
    const accessToken = signJwt(
      {
        sub: user.id,
        iss: this.deps.tokens.issuer,
        aud: this.deps.tokens.audience,
        // A NumericDate may carry fractions (RFC 7519, 2): milliseconds, so that a token
        // issued just before a password change in the same second is refused after it.
        iat: now.getTime() / 1_000,
        exp: iat + ACCESS_TOKEN_SECONDS,
        jti: randomUUID(),
      },
      this.deps.tokens.secret,
    );
    const refreshToken = `yfr_${randomBytes(32).toString('base64url')}`;
    await this.deps.sessions.createRefreshToken({
      userId: user.id,
      familyId,
      hash: hashToken(refreshToken),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_DAYS * 86_400_000),
    });
    return {
      accessToken,
      expiresAt: new Date((iat + ACCESS_TOKEN_SECONDS) * 1_000),
      refreshToken,
      user,
    };
  }
}
