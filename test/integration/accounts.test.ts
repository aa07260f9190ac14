import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LoginThrottleRepository } from '../../src/datasources/database/login-throttle.repository';
import { signJwt } from '../../src/services/jwt';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: { id: string; email: string; plan: string };
}

const SESSION = 'accessToken refreshToken expiresAt user { id email plan }';
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('accounts and sessions', () => {
  let server: TestServer;
  let seq = 0;
  const email = () => `user${(seq += 1)}.${Date.now()}@Example.COM`;

  const register = (address: string, password = 'correct horse battery') =>
    gql<{ register: Session }>(
      server.url,
      `mutation($e: String!, $p: String!) { register(email: $e, password: $p) { ${SESSION} } }`,
      { variables: { e: address, p: password } },
    );
  const login = (address: string, password: string) =>
    gql<{ login: Session }>(
      server.url,
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ${SESSION} } }`,
      { variables: { e: address, p: password } },
    );
  const refresh = (token: string) =>
    gql<{ refreshToken: Session }>(
      server.url,
      `mutation($t: String!) { refreshToken(refreshToken: $t) { ${SESSION} } }`,
      { variables: { t: token } },
    );

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('registers a FREE account with a normalised email and an argon2id hash, and signs it in', async () => {
    const address = email();
    const response = await register(`  ${address} `);
    expect(response.body.errors).toBeUndefined();
    const session = response.body.data!.register;
    expect(session.user).toMatchObject({ email: address.toLowerCase(), plan: 'FREE' });
    const row = await server.db.database.prisma.user.findUniqueOrThrow({
      where: { id: session.user.id },
    });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const me = await gql<{ me: { email: string } }>(
      server.url,
      '{ me { email } }',
      bearer(session.accessToken),
    );
    expect(me.body.data!.me.email).toBe(address.toLowerCase());
    // The same address in another case is taken.
    const again = await register(address.toUpperCase());
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.body.errors![0].extensions).toMatchObject({ argument: 'email', problem: 'taken' });
  });

  it.each([
    ['short', 'abc123xyz', /at least 10/],
    ['common', 'qwertyuiop', /most common/],
    ['common, any case', 'PASSWORD123', /most common/],
  ])('refuses a %s password', async (_label, password, message) => {
    const response = await register(email(), password);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0].message).toMatch(message);
  });

  it('refuses a malformed email', async () => {
    expect(codes(await register('not-an-email'))).toEqual(['BAD_USER_INPUT']);
  });

  it('logs in; a wrong password is UNAUTHENTICATED; failures are recorded and throttled per account', async () => {
    const address = email();
    await register(address);
    expect(
      (await login(address, 'correct horse battery')).body.data!.login.accessToken,
    ).toBeTruthy();
    for (let i = 0; i < 5; i += 1) {
      expect(codes(await login(address, 'wrong password!'))).toEqual(['UNAUTHENTICATED']);
    }
    const throttled = await login(address, 'correct horse battery');
    expect(codes(throttled)).toEqual(['RATE_LIMITED']);
    expect(throttled.body.errors![0].extensions!.retryAfter).toBeGreaterThan(800);
    const attempts = await server.db.database.prisma.loginAttempt.findMany({
      where: { email: address.toLowerCase() },
    });
    expect(attempts.filter((a) => !a.success)).toHaveLength(5);
    expect(attempts.filter((a) => a.success)).toHaveLength(1);
    // Unknown accounts answer exactly like wrong passwords.
    const unknown = await login(email(), 'correct horse battery');
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.body.errors![0].message).toBe('Wrong email or password');
  });

  it('checks at most 5 passwords of 30 concurrent wrong guesses for one account, in either store', async () => {
    const address = email();
    await register(address);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => login(address, 'wrong password!')),
    );
    const outcomes = answers.map((answer) => codes(answer)[0]);
    // Reserved before the password check: the rest are refused without one.
    expect(outcomes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(outcomes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(25);
    const attempts = await server.db.database.prisma.loginAttempt.count({
      where: { email: address.toLowerCase() },
    });
    expect(attempts).toBe(5);
  });

  it("the database's throttle store drops ended windows and restarts a subject's after its end", async () => {
    const { prisma } = server.db.database;
    const clock = { now: Date.now() };
    const store = new LoginThrottleRepository(prisma, () => new Date(clock.now));
    const subject = `email:${email()}`;
    expect(await store.reserve(subject, 1, 60_000)).toMatchObject({ reserved: true });
    expect(await store.reserve(subject, 1, 60_000)).toMatchObject({ reserved: false });
    clock.now += 60_000;
    expect(await store.reserve(subject, 1, 60_000)).toMatchObject({ reserved: true });
    clock.now += 60_000;
    expect(await store.prune()).toBeGreaterThanOrEqual(1);
    expect(await prisma.loginThrottle.findUnique({ where: { subject } })).toBeNull();
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole family', async () => {
    const first = (await register(email())).body.data!.register;
    const second = (await refresh(first.refreshToken)).body.data!.refreshToken;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.id).toBe(first.user.id);
    // Replaying the first token: refused, and the family (second included) is revoked.
    expect(codes(await refresh(first.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await refresh(second.refreshToken))).toEqual(['UNAUTHENTICATED']);
  });

  it('logout ends the sign-in: its refresh token no longer works', async () => {
    const session = (await register(email())).body.data!.register;
    const out = await gql<{ logout: boolean }>(
      server.url,
      'mutation($t: String!) { logout(refreshToken: $t) }',
      { variables: { t: session.refreshToken }, ...bearer(session.accessToken) },
    );
    expect(out.body.data!.logout).toBe(true);
    expect(codes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses access tokens that are forged, of another algorithm, audience, or expired', async () => {
    const session = (await register(email())).body.data!.register;
    const [header, claims] = session.accessToken.split('.');
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${claims}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decoded, sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${session.accessToken.split('.')[2]}`;
    const wrongKey = signJwt(decoded, 'x'.repeat(48));
    const now = Math.floor(Date.now() / 1000);
    const key = (await readFile(path.join(server.dataDir, 'jwt-secret'), 'utf8')).trim();
    const wrongAudience = signJwt({ ...decoded, aud: 'someone-else' }, key);
    const expired = signJwt({ ...decoded, iat: now - 3600, exp: now - 60 }, key);
    for (const token of [none, tampered, wrongKey, wrongAudience, expired, 'garbage']) {
      const response = await gql(server.url, '{ me { id } }', bearer(token));
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
    // And a correctly signed one with the server's secret works.
    const fresh = signJwt({ ...decoded, iat: now, exp: now + 60 }, key);
    expect((await gql(server.url, '{ me { id } }', bearer(fresh))).status).toBe(200);
  });

  it('changePlan: users move down, upgrades go through billing (refused by default), others read as NOT_FOUND', async () => {
    const session = (await register(email())).body.data!.register;
    const other = (await register(email())).body.data!.register;
    const change = (plan: string, userId?: string) =>
      gql<{ changePlan: { plan: string } }>(
        server.url,
        `mutation($p: PlanName!, $u: ID) { changePlan(plan: $p, userId: $u) { plan } }`,
        { variables: { p: plan, u: userId }, ...bearer(session.accessToken) },
      );
    expect(codes(await change('PRO'))).toEqual(['FORBIDDEN']);
    expect(codes(await change('BASIC', other.user.id))).toEqual(['NOT_FOUND']);
    await server.db.database.prisma.user.update({
      where: { id: session.user.id },
      data: { plan: 'PRO' },
    });
    expect((await change('BASIC')).body.data!.changePlan.plan).toBe('BASIC');
    // An admin changes anyone's plan, upgrades included.
    await server.db.database.prisma.user.update({
      where: { id: session.user.id },
      data: { role: 'ADMIN' },
    });
    expect((await change('ENTERPRISE', other.user.id)).body.data!.changePlan.plan).toBe(
      'ENTERPRISE',
    );
  });
});
