import { accountKey } from '../fixtures/account-key';
import WebSocket from 'ws';
import { IMPORT_PATH } from '../../src/server/import-route';
import { ANONYMOUS_BODY_BYTES } from '../../src/server/graphql-route';
import { KEY_LOOKUPS_PER_MINUTE } from '../../src/services/key-lookup-guard';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const randomKey = (i: number) => `yf_live_${String(i).padStart(40, 'x')}`;

/** Opens a raw graphql-ws socket with `headers` and answers how `connection_init` ended. */
function initOutcome(url: string, apiKey: string, headers: Record<string, string>) {
  return new Promise<string>((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey } })),
    );
    socket.on('message', (data) => {
      resolve(JSON.parse(String(data)).type);
      socket.close();
    });
    socket.on('close', (code) => resolve(`closed ${code}`));
    socket.on('error', reject);
  });
}

describe('before authentication', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer({ MAX_IMPORT_BYTES: String(3 * 1024 * 1024) });
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${server.baseUrl}${path}`, { method: 'POST', headers, body });

  it('caps bodies without credentials at 16 KiB, and with them at MAX_BODY_BYTES (1 MiB)', async () => {
    const padded = (bytes: number) =>
      JSON.stringify({ query: '{ plans { name } }', variables: { pad: 'x'.repeat(bytes) } });
    const json = { 'content-type': 'application/json' };
    const anonymous = await post('/graphql', padded(ANONYMOUS_BODY_BYTES), json);
    expect(anonymous.status).toBe(413);
    expect(
      ((await anonymous.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
        .extensions.code,
    ).toBe('QUERY_TOO_COMPLEX');
    const small = await post('/graphql', padded(1_000), json);
    expect(small.status).toBe(200);
    const keyed = await post('/graphql', padded(ANONYMOUS_BODY_BYTES), {
      ...json,
      'x-api-key': apiKey,
    });
    expect(keyed.status).toBe(200);
    const huge = await post('/graphql', padded(1024 * 1024), { ...json, 'x-api-key': apiKey });
    expect(huge.status).toBe(413);
  });

  it('refuses a flood of made-up keys from one address before the database, and remembers unknown ones', async () => {
    // Lookups that find a key spend nothing: many honest keys behind one address pass.
    const manager = await accountKey(server);
    for (let i = 0; i < 5; i += 1) {
      const created = await gql<{ createApiKey: { secret: string } }>(
        server.url,
        `mutation { createApiKey(name: "k${i}") { secret } }`,
        { apiKey: manager },
      );
      expect(
        (await gql(server.url, '{ me { id } }', { apiKey: created.body.data!.createApiKey.secret }))
          .status,
      ).toBe(200);
    }
    // The same unknown key again and again costs one lookup: never rate-limited.
    for (let i = 0; i < KEY_LOOKUPS_PER_MINUTE + 5; i += 1) {
      const response = await gql(server.url, '{ me { id } }', { apiKey: randomKey(0) });
      expect(response.status).toBe(401);
    }
    // Each new one that finds no key spends a lookup (key 0 spent the first): the
    // address's minute runs out at the 60th, which is still looked up and answered 401.
    for (let i = 1; i < KEY_LOOKUPS_PER_MINUTE; i += 1) {
      expect((await gql(server.url, '{ me { id } }', { apiKey: randomKey(i) })).status).toBe(401);
    }
    expect((await gql(server.url, '{ me { id } }', { apiKey: randomKey(60) })).status).toBe(401);
    const refused = await gql(server.url, '{ me { id } }', { apiKey: randomKey(999) });
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
    // A known key, cached, still works from that address.
    expect((await gql(server.url, '{ me { id } }', { apiKey })).status).toBe(200);
  });

  describe('CSV upload', () => {
    let portfolioId: string;
    beforeAll(async () => {
      const created = await gql<{ createPortfolio: { id: string } }>(
        server.url,
        'mutation { createPortfolio(name: "Upload") { id } }',
        { apiKey },
      );
      portfolioId = created.body.data!.createPortfolio.id;
    });
    const csvHeaders = () => ({ 'content-type': 'text/csv', 'x-api-key': apiKey });

    it('imports a CSV larger than MAX_BODY_BYTES through /import/transactions', async () => {
      // 40,000 lines of 29 bytes: 1.1 MiB, over the JSON body limit.
      const lines = [
        'date,type,symbol,quantity,price,fee,amount',
        '2024-01-02,DEPOSIT,,,,,1000000000',
        ...Array<string>(40_000).fill('2024-01-03,BUY,MSFT,1,100,0,'),
      ];
      expect(lines.join('\n').length).toBeGreaterThan(1024 * 1024);
      const response = await post(
        `${IMPORT_PATH}?portfolioId=${portfolioId}&dryRun=true`,
        lines.join('\n'),
        csvHeaders(),
      );
      const body = (await response.json()) as {
        data: { importTransactions: { imported: number; dryRun: boolean; errors: unknown[] } };
      };
      expect(response.status).toBe(200);
      expect(body.data.importTransactions).toMatchObject({
        imported: lines.length - 1,
        dryRun: true,
        errors: [],
      });
    });

    it('answers bad uploads with a stable code', async () => {
      const csv = 'date,type,symbol,quantity,price,fee,amount\n2024-01-02,DEPOSIT,,,,,100\n';
      const expectCode = async (response: Response, status: number, code: string) => {
        expect(response.status).toBe(status);
        const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
        expect(body.errors.length).toBeGreaterThan(0);
        expect(new Set(body.errors.map((e) => e.extensions.code))).toEqual(new Set([code]));
      };
      await expectCode(
        await post(`${IMPORT_PATH}?portfolioId=${portfolioId}`, csv, {
          ...csvHeaders(),
          'content-type': 'application/json',
        }),
        415,
        'BAD_USER_INPUT',
      );
      await expectCode(await post(IMPORT_PATH, csv, csvHeaders()), 400, 'BAD_USER_INPUT');
      await expectCode(
        await post(`${IMPORT_PATH}?portfolioId=${portfolioId}&dryRun=maybe`, csv, csvHeaders()),
        400,
        'BAD_USER_INPUT',
      );
      await expectCode(
        await post(`${IMPORT_PATH}?portfolioId=${portfolioId}&format=XLS`, csv, csvHeaders()),
        400,
        'BAD_USER_INPUT',
      );
      await expectCode(
        await post(`${IMPORT_PATH}?portfolioId=${portfolioId}`, csv, {
          'content-type': 'text/csv',
        }),
        401,
        'UNAUTHENTICATED',
      );
      // Refused by the mutation itself: a GraphQL error of the executed operation.
      await expectCode(
        await post(`${IMPORT_PATH}?portfolioId=nope`, csv, csvHeaders()),
        200,
        'NOT_FOUND',
      );
      await expectCode(
        await post(
          `${IMPORT_PATH}?portfolioId=${portfolioId}`,
          'x'.repeat(3 * 1024 * 1024 + 1),
          csvHeaders(),
        ),
        413,
        'QUERY_TOO_COMPLEX',
      );
      const get = await fetch(`${server.baseUrl}${IMPORT_PATH}`, { headers: csvHeaders() });
      expect(get.status).toBe(405);
    });
  });
});

describe('TRUSTED_PROXIES', () => {
  let server: TestServer;
  let pinned: string;

  beforeAll(async () => {
    server = await startTestServer({
      TRUSTED_PROXIES: '127.0.0.1, ::1',
      PLANS: '{"FREE":{"requestsPerMinute":3,"burst":0}}',
    });
    const created = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "pinned", allowedIps: ["198.51.100.7"]) { secret } }',
      { apiKey: await accountKey(server) },
    );
    pinned = created.body.data!.createApiKey.secret;
  });
  afterAll(() => server.close());

  it('reads the client from X-Forwarded-For behind a trusted proxy, on HTTP and WebSocket alike', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': `6.6.6.6, ${address}` });
    expect(
      (await gql(server.url, '{ me { id } }', { apiKey: pinned, headers: from('198.51.100.7') }))
        .status,
    ).toBe(200);
    const outside = await gql(server.url, '{ me { id } }', {
      apiKey: pinned,
      headers: from('6.6.6.6'),
    });
    expect(outside.status).toBe(403);
    expect(codes(outside)).toEqual(['FORBIDDEN']);
    expect(await initOutcome(server.url, pinned, from('198.51.100.7'))).toBe('connection_ack');
    expect(await initOutcome(server.url, pinned, from('6.6.6.6'))).toBe('closed 4403');
  });

  it('limits anonymous callers per IPv6 /64', async () => {
    const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
    for (const host of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) {
      expect((await gql(server.url, '{ plans { name } }', from(host))).status).toBe(200);
    }
    const fourth = await gql(server.url, '{ plans { name } }', from('2001:db8:1:2::4'));
    expect(fourth.status).toBe(429);
    expect((await gql(server.url, '{ plans { name } }', from('2001:db8:1:3::1'))).status).toBe(200);
  });
});

describe('without TRUSTED_PROXIES', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('ignores X-Forwarded-For: a key pinned elsewhere stays refused, on HTTP and WebSocket', async () => {
    const created = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation { createApiKey(name: "pinned", allowedIps: ["198.51.100.7"]) { secret } }',
      { apiKey: await accountKey(server) },
    );
    const pinned = created.body.data!.createApiKey.secret;
    const headers = { 'x-forwarded-for': '198.51.100.7' };
    expect((await gql(server.url, '{ me { id } }', { apiKey: pinned, headers })).status).toBe(403);
    expect(await initOutcome(server.url, pinned, headers)).toBe('closed 4403');
  });
});
