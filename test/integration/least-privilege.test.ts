import argon2 from 'argon2';
import { ApiKeyRepository } from '../../src/datasources/database/api-key.repository';
import { UserRepository } from '../../src/datasources/database/user.repository';
import { ARGON2_OPTIONS } from '../../src/services/account.service';
import { createOrPromoteAdmin } from '../../src/services/admin-accounts';
import { codes, gql } from '../helpers/graphql';
import { openSocket } from '../helpers/live-client';
import { startTestServer, type TestServer } from '../helpers/server';

interface Issued {
  secret: string;
  apiKey: {
    id: string;
    scopes: string[];
    allowedIps: string[];
    expiresAt: string | null;
    requireSignature: boolean;
  };
}

const PASSWORD = 'correct horse battery';
const ISSUED = 'secret apiKey { id scopes allowedIps expiresAt requireSignature }';

describe('least privilege: managing the account needs a session or manage:account', () => {
  let server: TestServer;
  let n = 0;

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const signUp = async () => {
    n += 1;
    const email = `least.${n}.${Date.now()}@example.com`;
    const response = await gql<{
      register: { accessToken: string; refreshToken: string; user: { id: string } };
    }>(
      server.url,
      'mutation($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken refreshToken user { id } } }',
      { variables: { e: email, p: PASSWORD } },
    );
    return { email, ...response.body.data!.register };
  };
  /** createApiKey with `args`, as the holder of `auth`; the whole answer. */
  const mint = (auth: { apiKey?: string; headers?: Record<string, string> }, args = '') =>
    gql<{ createApiKey: Issued }>(
      server.url,
      `mutation { createApiKey(name: "k" ${args}) { ${ISSUED} } }`,
      auth,
    );
  const minted = async (auth: { apiKey?: string; headers?: Record<string, string> }, args = '') => {
    const response = await mint(auth, args);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey;
  };

  beforeAll(async () => {
    // Sockets re-validated every 300 ms here (a minute by default).
    server = await startTestServer({}, { websocket: { revalidateMs: 300 } });
  });
  afterAll(() => server.close());

  it('keys get manage:account only when asked for; the demo key has not', async () => {
    const { accessToken } = await signUp();
    const plain = await minted(bearer(accessToken));
    expect(plain.apiKey.scopes.sort()).toEqual(
      ['read:market', 'read:portfolio', 'read:usage', 'write:portfolio'].sort(),
    );
    const manager = await minted(bearer(accessToken), 'scopes: ["manage:account"]');
    expect(manager.apiKey.scopes).toEqual(['manage:account']);
    const demo = await gql(server.url, '{ apiKeys { id } }', { apiKey: server.app.demo!.apiKey });
    expect(codes(demo)).toEqual(['FORBIDDEN']);
  });

  it('refuses a read:market key every credential and plan change, naming the scope', async () => {
    const { accessToken } = await signUp();
    const reader = await minted(bearer(accessToken), 'scopes: ["read:market"]');
    const victim = await minted(bearer(accessToken));
    for (const operation of [
      'mutation { createApiKey(name: "x") { secret } }',
      `mutation { revokeApiKey(id: "${victim.apiKey.id}") { id } }`,
      `mutation { rotateApiKey(id: "${victim.apiKey.id}") { secret } }`,
      'mutation { changePlan(plan: FREE) { plan } }',
      `mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "another long passphrase") }`,
      '{ apiKeys { id } }',
    ]) {
      const response = await gql(server.url, operation, { apiKey: reader.secret });
      expect({ operation, codes: codes(response) }).toEqual({ operation, codes: ['FORBIDDEN'] });
      expect(response.body.errors![0].message).toContain('manage:account');
      expect(response.body.errors![0].extensions).toMatchObject({ scopes: ['manage:account'] });
    }
    // The victim key still works: nothing was revoked or rotated.
    expect((await gql(server.url, '{ me { id } }', { apiKey: victim.secret })).status).toBe(200);
  });

  it('lets a manage:account key create, rotate and revoke keys and change the plan', async () => {
    const { accessToken } = await signUp();
    const manager = await minted(
      bearer(accessToken),
      'scopes: ["manage:account", "read:market", "read:usage"]',
    );
    const auth = { apiKey: manager.secret };
    const child = await minted(auth, 'scopes: ["read:market"]');
    const rotated = await gql<{ rotateApiKey: { secret: string } }>(
      server.url,
      `mutation { rotateApiKey(id: "${child.apiKey.id}", gracePeriodSeconds: 0) { secret } }`,
      auth,
    );
    expect(rotated.body.errors).toBeUndefined();
    const replacement = rotated.body.data!.rotateApiKey.secret;
    expect(codes(await gql(server.url, '{ me { id } }', { apiKey: child.secret }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const listed = await gql<{ apiKeys: Array<{ id: string }> }>(
      server.url,
      '{ apiKeys { id } }',
      auth,
    );
    const newest = listed.body.data!.apiKeys[0].id;
    const revoked = await gql(
      server.url,
      `mutation { revokeApiKey(id: "${newest}") { id } }`,
      auth,
    );
    expect(revoked.body.errors).toBeUndefined();
    expect(codes(await gql(server.url, '{ me { id } }', { apiKey: replacement }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const plan = await gql<{ changePlan: { plan: string } }>(
      server.url,
      'mutation { changePlan(plan: FREE) { plan } }',
      auth,
    );
    expect(plan.body.data?.changePlan.plan).toBe('FREE');
  });

  it('bounds a minted key by its minter: scopes, allow-list and expiry', async () => {
    const { accessToken } = await signUp();
    const minterExpiry = new Date(Date.now() + 86_400_000);
    const minter = await minted(
      bearer(accessToken),
      `scopes: ["manage:account", "read:market"], allowedIps: ["127.0.0.0/8", "::1/128"], expiresAt: "${minterExpiry.toISOString()}"`,
    );
    const auth = { apiKey: minter.secret };

    // Unset terms take the minter's.
    const child = await minted(auth);
    expect(child.apiKey.scopes).toEqual(['read:market']);
    expect(child.apiKey.allowedIps).toEqual(['127.0.0.0/8', '::1/128']);
    expect(new Date(child.apiKey.expiresAt!).getTime()).toBe(minterExpiry.getTime());

    // Narrower terms are kept.
    const sooner = new Date(Date.now() + 3_600_000);
    const narrow = await minted(
      auth,
      `allowedIps: ["127.0.0.1"], expiresAt: "${sooner.toISOString()}"`,
    );
    expect(narrow.apiKey.allowedIps).toEqual(['127.0.0.1']);
    expect(new Date(narrow.apiKey.expiresAt!).getTime()).toBe(sooner.getTime());
    expect((await gql(server.url, '{ me { id } }', { apiKey: narrow.secret })).status).toBe(200);

    // Anything beyond the minter is FORBIDDEN, naming the term.
    const later = new Date(minterExpiry.getTime() + 60_000).toISOString();
    for (const [args, argument] of [
      ['scopes: ["read:market", "read:portfolio"]', 'scopes'],
      ['scopes: ["manage:account", "read:usage"]', 'scopes'],
      ['allowedIps: ["10.0.0.0/8"]', 'allowedIps'],
      ['allowedIps: ["0.0.0.0/0"]', 'allowedIps'],
      [`expiresAt: "${later}"`, 'expiresAt'],
    ]) {
      const response = await mint(auth, args);
      expect({ args, codes: codes(response) }).toEqual({ args, codes: ['FORBIDDEN'] });
      expect(response.body.errors![0].extensions).toMatchObject({ argument });
    }

    // A key cannot rotate a broader key of the account to get its secret.
    const broad = await minted(bearer(accessToken), 'scopes: ["read:portfolio"]');
    const rotated = await gql(
      server.url,
      `mutation { rotateApiKey(id: "${broad.apiKey.id}") { secret } }`,
      auth,
    );
    expect(codes(rotated)).toEqual(['FORBIDDEN']);
  });

  it('makes keys minted by a signing key sign too', async () => {
    // Signing is checked per request by the admission path; the rule about minting is
    // the key service's, given the viewer the key authenticates as.
    const { accessToken } = await signUp();
    const signer = await minted(
      bearer(accessToken),
      'scopes: ["manage:account", "read:market"], requireSignature: true',
    );
    const { auth, keys } = server.app.services;
    const viewer = (await auth.authenticate({ apiKey: signer.secret, ip: '127.0.0.1' }))!;
    expect(viewer.requireSignature).toBe(true);
    const child = await keys.create(viewer, { name: 'child' });
    expect(child.apiKey.requireSignature).toBe(true);
    await expect(
      keys.create(viewer, { name: 'unsigned', requireSignature: false }),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN', argument: 'requireSignature' } });
  });

  it("shows a mutation's result only as far as the caller's scopes read", async () => {
    const { accessToken } = await signUp();
    const writer = await minted(bearer(accessToken), 'scopes: ["write:portfolio"]');
    const created = await gql<{ createPortfolio: { id: string; holdings: unknown } }>(
      server.url,
      'mutation { createPortfolio(name: "W") { id name holdings { symbol } valuation { cash } } }',
      { apiKey: writer.secret },
    );
    // The portfolio is written, but its holdings and valuation are not shown.
    expect(JSON.stringify(created.body.data ?? null)).not.toContain('holdings');
    expect(codes(created)).toContain('FORBIDDEN');
    expect(created.body.errors![0].extensions).toMatchObject({ scopes: ['read:portfolio'] });
    const plain = await gql<{ createPortfolio: { id: string; name: string } }>(
      server.url,
      'mutation { createPortfolio(name: "W2") { id name } }',
      { apiKey: writer.secret },
    );
    expect(plain.body.data!.createPortfolio.name).toBe('W2');
  });

  it('changePassword ends every session: stale access tokens get 401, sockets close', async () => {
    const account = await signUp();
    const other = await gql<{ login: { accessToken: string } }>(
      server.url,
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
      { variables: { e: account.email, p: PASSWORD } },
    );
    const stale = other.body.data!.login.accessToken;
    const key = await minted(bearer(account.accessToken));
    const live = await openSocket(server.url, { authorization: `Bearer ${stale}` });
    const change = (current: string) =>
      gql<{ changePassword: boolean }>(
        server.url,
        'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
        { variables: { c: current, n: 'a brand new passphrase' }, ...bearer(account.accessToken) },
      );
    expect(codes(await change('not the password'))).toEqual(['FORBIDDEN']);
    expect((await gql(server.url, '{ me { id } }', bearer(stale))).status).toBe(200);

    expect((await change(PASSWORD)).body.data?.changePassword).toBe(true);
    for (const token of [stale, account.accessToken]) {
      const response = await gql(server.url, '{ me { id } }', bearer(token));
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
    expect(await live.closed).toBe(4401);
    const refreshed = await gql(
      server.url,
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
      { variables: { t: account.refreshToken } },
    );
    expect(codes(refreshed)).toEqual(['UNAUTHENTICATED']);
    // The new password signs in; API keys keep working.
    const again = await gql<{ login: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { login(email: $e, password: "a brand new passphrase") { accessToken } }',
      { variables: { e: account.email } },
    );
    const fresh = again.body.data!.login.accessToken;
    expect((await gql(server.url, '{ me { id } }', bearer(fresh))).status).toBe(200);
    expect((await gql(server.url, '{ me { id } }', { apiKey: key.secret })).status).toBe(200);
  });

  it("admin:create's promotion ends the account's sessions and revokes its keys", async () => {
    const account = await signUp();
    const key = await minted(bearer(account.accessToken));
    // FREE allows one socket.
    const bySession = await openSocket(server.url, {
      authorization: `Bearer ${account.accessToken}`,
    });
    const { prisma } = server.app.database;
    const outcome = await createOrPromoteAdmin(
      {
        users: new UserRepository(prisma),
        apiKeys: new ApiKeyRepository(prisma),
        bus: server.app.services.bus,
      },
      account.email,
      await argon2.hash('the admin passphrase', ARGON2_OPTIONS),
    );
    expect(outcome).toMatchObject({ kind: 'promoted', revokedKeys: 1, user: { role: 'ADMIN' } });
    expect(await bySession.closed).toBe(4401);
    expect((await gql(server.url, '{ me { id } }', bearer(account.accessToken))).status).toBe(401);
    expect((await gql(server.url, '{ me { id } }', { apiKey: key.secret })).status).toBe(401);
    const refreshed = await gql(
      server.url,
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
      { variables: { t: account.refreshToken } },
    );
    expect(codes(refreshed)).toEqual(['UNAUTHENTICATED']);
    const admin = await gql<{ login: { user: { role: string } } }>(
      server.url,
      'mutation($e: String!) { login(email: $e, password: "the admin passphrase") { user { role } } }',
      { variables: { e: account.email } },
    );
    expect(admin.body.data!.login.user.role).toBe('ADMIN');
  });
});
