import { randomBytes } from 'node:crypto';
import { openToken, TokenCipherError } from '../../src/domain/token-cipher';
import { startFakeKite, kiteTrade, todayUtc } from '../fixtures/brokers/fake-kite';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const API_KEY = 'kitetestkey1';
const API_SECRET = 'kite-test-secret';
const KEY = randomBytes(32);

const CONNECTION =
  'id broker portfolioId status brokerUserId tokenExpiresAt lastSyncedAt lastError';
const CONNECT = `mutation($p: ID!) { connectBroker(broker: KITE, portfolioId: $p) { loginUrl connection { ${CONNECTION} } } }`;
const COMPLETE = `mutation($s: String!, $t: String!) { completeBrokerConnection(broker: KITE, state: $s, requestToken: $t) { ${CONNECTION} } }`;
const SYNC = `mutation($id: ID!) { syncBroker(id: $id) { imported alreadyImported skipped errors { message } differences { symbol brokerQuantity ledgerQuantity } connection { ${CONNECTION} } } }`;
const LEDGER = `query($id: ID!) { portfolio(id: $id) { transactions(first: 100) { totalCount nodes { type date symbol quantity price note } } } }`;

type Auth = { headers: Record<string, string> };
interface Connection {
  id: string;
  status: string;
  brokerUserId: string | null;
  tokenExpiresAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
}

describe('broker sync: Zerodha Kite Connect', () => {
  let kite: Awaited<ReturnType<typeof startFakeKite>>;
  let server: TestServer;
  let mine: Auth;
  let theirs: Auth;

  const signUp = async (email: string): Promise<Auth> => {
    const response = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: email } },
    );
    return { headers: { authorization: `Bearer ${response.body.data!.register.accessToken}` } };
  };
  const createPortfolio = async (auth: Auth) => {
    const r = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Zerodha") { id } }',
      auth,
    );
    return r.body.data!.createPortfolio.id;
  };
  const connect = async (auth: Auth, portfolioId: string) => {
    const r = await gql<{ connectBroker: { loginUrl: string; connection: Connection } }>(
      server.url,
      CONNECT,
      { ...auth, variables: { p: portfolioId } },
    );
    expect(r.body.errors).toBeUndefined();
    const { loginUrl, connection } = r.body.data!.connectBroker;
    const url = new URL(loginUrl);
    const state = new URLSearchParams(url.searchParams.get('redirect_params') ?? '').get('state')!;
    return { url, state, connection };
  };
  const complete = (auth: Auth, state: string, token: string) =>
    gql<{ completeBrokerConnection: Connection }>(server.url, COMPLETE, {
      ...auth,
      variables: { s: state, t: token },
    });
  const sync = (auth: Auth, id: string) =>
    gql<{
      syncBroker: {
        imported: number;
        alreadyImported: number;
        skipped: number;
        errors: Array<{ message: string }>;
        differences: Array<{ symbol: string; brokerQuantity: string; ledgerQuantity: string }>;
        connection: Connection;
      };
    }>(server.url, SYNC, { ...auth, variables: { id } });
  const ledger = async (auth: Auth, id: string) => {
    const r = await gql<{
      portfolio: {
        transactions: {
          totalCount: number;
          nodes: Array<Record<string, string | null>>;
        };
      };
    }>(server.url, LEDGER, { ...auth, variables: { id } });
    expect(r.body.errors).toBeUndefined();
    return r.body.data!.portfolio.transactions;
  };
  const connected = async (auth: Auth) => {
    const portfolioId = await createPortfolio(auth);
    const { state, connection } = await connect(auth, portfolioId);
    const done = await complete(auth, state, kite.issueRequestToken());
    expect(done.body.errors).toBeUndefined();
    return { portfolioId, id: connection.id };
  };
  const row = (id: string) =>
    server.app.database.prisma.brokerConnection.findUniqueOrThrow({ where: { id } });
  const reason = (r: GraphQLResponse) => r.body.errors?.[0]?.extensions?.reason;

  beforeAll(async () => {
    kite = await startFakeKite(API_KEY, API_SECRET);
    server = await startTestServer({
      KITE_API_KEY: API_KEY,
      KITE_API_SECRET: API_SECRET,
      KITE_BASE_URL: kite.url,
      BROKER_TOKEN_KEY: KEY.toString('base64'),
      PROVIDER_TIMEOUT_MS: '1000',
      FIELD_RATE_LIMITS: JSON.stringify({ syncBroker: { max: 1_000 } }),
    });
    mine = await signUp(`broker.${Date.now()}@example.com`);
    theirs = await signUp(`broker2.${Date.now()}@example.com`);
  });
  afterAll(async () => {
    await server.close();
    await kite.close();
  });
  beforeEach(() => {
    Object.assign(kite.state, {
      holdings: [],
      dayPositions: [],
      trades: [],
      expired: false,
      fault: 'none',
      apiSecret: API_SECRET,
    });
  });

  it('connects, syncs holdings and trades into the ledger once, and asks to reconnect when the token expires', async () => {
    const portfolioId = await createPortfolio(mine);
    const { url, state, connection } = await connect(mine, portfolioId);
    expect(`${url.origin}${url.pathname}`).toBe('https://kite.zerodha.com/connect/login');
    expect(url.searchParams.get('v')).toBe('3');
    expect(url.searchParams.get('api_key')).toBe(API_KEY);
    expect(connection).toMatchObject({ status: 'PENDING', brokerUserId: null });

    const done = await complete(mine, state, kite.issueRequestToken());
    expect(done.body.errors).toBeUndefined();
    const linked = done.body.data!.completeBrokerConnection;
    expect(linked).toMatchObject({
      id: connection.id,
      status: 'CONNECTED',
      brokerUserId: 'AB1234',
    });
    // Kite's tokens die at the next 06:00 IST (00:30 UTC).
    const expiry = new Date(linked.tokenExpiresAt!);
    expect(expiry.toISOString().slice(11, 19)).toBe('00:30:00');
    expect(expiry.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    const exchange = kite.seen.find((r) => r.path === '/session/token')!;
    expect(exchange.headers['content-type']).toContain('application/x-www-form-urlencoded');

    kite.state.holdings = [
      {
        exchange: 'NSE',
        tradingsymbol: 'INFY',
        quantity: 10,
        t1_quantity: 0,
        average_price: 1450.5,
      },
      { exchange: 'NSE', tradingsymbol: 'TCS', quantity: 5, t1_quantity: 2, average_price: 3800 },
    ];
    kite.state.dayPositions = [
      { exchange: 'NSE', tradingsymbol: 'INFY', quantity: 5 },
      { exchange: 'NSE', tradingsymbol: 'TCS', quantity: -3 },
      { exchange: 'NSE', tradingsymbol: 'RELIANCE', quantity: 0 },
    ];
    kite.state.trades = [
      kiteTrade('T4', 'SELL', 'RELIANCE', 2, 2910, '14:00:00'),
      kiteTrade('T1', 'BUY', 'INFY', 5, 1500.25, '09:20:00'),
      kiteTrade('T2', 'SELL', 'TCS', 3, 3900, '10:00:00'),
      kiteTrade('T3', 'BUY', 'RELIANCE', 2, 2900, '11:00:00'),
      kiteTrade('T5', 'BUY', 'NIFTY24MAYFUT', 50, 22500, '12:00:00', 'NFO'),
    ];
    const first = await sync(mine, connection.id);
    expect(first.body.errors).toBeUndefined();
    const result = first.body.data!.syncBroker;
    expect(result).toMatchObject({ imported: 6, alreadyImported: 0, skipped: 1, differences: [] });
    expect(result.errors[0].message).toMatch(/NFO:NIFTY24MAYFUT not synced/);
    expect(result.connection.lastSyncedAt).not.toBeNull();

    const today = todayUtc();
    const entries = await ledger(mine, portfolioId);
    expect(entries.totalCount).toBe(6);
    const shown = entries.nodes.map(({ type, date, symbol, quantity, price }) => ({
      type,
      date,
      symbol,
      quantity,
      price,
    }));
    expect(shown).toEqual(
      expect.arrayContaining([
        { type: 'BUY', date: today, symbol: 'INFY', quantity: '10', price: '1450.5' },
        { type: 'BUY', date: today, symbol: 'TCS', quantity: '7', price: '3800' },
        { type: 'BUY', date: today, symbol: 'INFY', quantity: '5', price: '1500.25' },
        { type: 'SELL', date: today, symbol: 'TCS', quantity: '3', price: '3900' },
        { type: 'BUY', date: today, symbol: 'RELIANCE', quantity: '2', price: '2900' },
        { type: 'SELL', date: today, symbol: 'RELIANCE', quantity: '2', price: '2910' },
      ]),
    );
    const portfolioCalls = kite.seen.filter((r) => r.path !== '/session/token');
    expect(portfolioCalls.map((r) => r.path).sort()).toEqual([
      '/portfolio/holdings',
      '/portfolio/positions',
      '/trades',
    ]);
    for (const call of portfolioCalls) {
      expect(call.headers['x-kite-version']).toBe('3');
      expect(call.headers.authorization).toMatch(new RegExp(`^token ${API_KEY}:[0-9a-f]{32}$`));
    }

    // Again: the same trades are not written twice, the holdings are not bought again.
    const again = await sync(mine, connection.id);
    expect(again.body.data!.syncBroker).toMatchObject({ imported: 0, alreadyImported: 4 });
    expect((await ledger(mine, portfolioId)).totalCount).toBe(6);

    // A new fill later in the day is the only thing written.
    kite.state.trades.push(kiteTrade('T6', 'BUY', 'HDFCBANK', 4, 1510, '15:00:00'));
    const later = await sync(mine, connection.id);
    expect(later.body.data!.syncBroker).toMatchObject({ imported: 1, alreadyImported: 4 });
    // HDFCBANK is not yet in the broker's holdings or positions: no difference is claimed.
    expect(later.body.data!.syncBroker.differences).toEqual([]);

    // The token is stored sealed: never in clear, opened only with the key and this row.
    const accessToken = portfolioCalls[0].headers.authorization!.split(':')[1];
    const stored = await row(connection.id);
    expect(stored.tokenCiphertext).toMatch(/^v1\./);
    expect(stored.tokenCiphertext).not.toContain(accessToken);
    expect(JSON.stringify(stored)).not.toContain(accessToken);
    expect(openToken(stored.tokenCiphertext!, KEY, connection.id)).toBe(accessToken);
    const parts = stored.tokenCiphertext!.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[body.length - 1] ^= 1;
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
    expect(() => openToken(tampered, KEY, connection.id)).toThrow(TokenCipherError);
    expect(server.logs.some((line) => JSON.stringify(line).includes(accessToken))).toBe(false);

    // 06:00 IST: Kite refuses the token. The connection asks for a new sign-in.
    kite.state.expired = true;
    const expired = await sync(mine, connection.id);
    expect(codes(expired)).toEqual(['BAD_USER_INPUT']);
    expect(reason(expired)).toBe('RECONNECT_REQUIRED');
    expect(expired.body.errors![0].message).toMatch(/sign in to Zerodha \(Kite\) again/);
    const listed = await gql<{ brokerConnections: Connection[] }>(
      server.url,
      `query { brokerConnections { ${CONNECTION} } }`,
      mine,
    );
    expect(listed.body.data!.brokerConnections).toEqual([
      expect.objectContaining({
        id: connection.id,
        status: 'RECONNECT',
        lastError: expect.stringMatching(/again/),
      }),
    ]);
    expect((await row(connection.id)).tokenCiphertext).toBeNull();
    const calls = kite.seen.length;
    const still = await sync(mine, connection.id);
    expect(reason(still)).toBe('RECONNECT_REQUIRED');
    expect(kite.seen.length).toBe(calls);

    // Signing in again revives the same connection; nothing is imported twice.
    kite.state.expired = false;
    const again2 = await connect(mine, portfolioId);
    expect(again2.connection.id).toBe(connection.id);
    const revived = await complete(mine, again2.state, kite.issueRequestToken());
    expect(revived.body.data!.completeBrokerConnection).toMatchObject({
      status: 'CONNECTED',
      lastError: null,
    });
    const resumed = await sync(mine, connection.id);
    expect(resumed.body.data!.syncBroker).toMatchObject({ imported: 0, alreadyImported: 5 });
    expect((await ledger(mine, portfolioId)).totalCount).toBe(7);
  });

  it('imports only the part of a holding the ledger lacks, and reports differences', async () => {
    const portfolioId = await createPortfolio(mine);
    const added = await gql(
      server.url,
      `mutation($p: ID!) { addTransaction(portfolioId: $p, input: { type: BUY, date: "2024-01-02", symbol: "INFY", quantity: 4, price: 1400 }) { id } }`,
      { ...mine, variables: { p: portfolioId } },
    );
    expect(added.body.errors).toBeUndefined();
    const { state, connection } = await connect(mine, portfolioId);
    await complete(mine, state, kite.issueRequestToken());
    kite.state.holdings = [
      { exchange: 'NSE', tradingsymbol: 'INFY', quantity: 10, t1_quantity: 0, average_price: 1450 },
      { exchange: 'BSE', tradingsymbol: 'TCS', quantity: 1, t1_quantity: 0, average_price: 3000 },
    ];
    const first = await sync(mine, connection.id);
    expect(first.body.data!.syncBroker).toMatchObject({ imported: 2, differences: [] });
    const nodes = (await ledger(mine, portfolioId)).nodes;
    expect(
      nodes
        .filter((n) => n.symbol === 'INFY')
        .map((n) => n.quantity)
        .sort(),
    ).toEqual(['4', '6']);
    // Sold elsewhere (outside what the sync sees): the difference is reported, not written.
    kite.state.holdings[1].quantity = 0;
    const second = await sync(mine, connection.id);
    expect(second.body.data!.syncBroker).toMatchObject({
      imported: 0,
      differences: [{ symbol: 'TCS', brokerQuantity: '0', ledgerQuantity: '1' }],
    });
  });

  it('refuses an unknown, reused or expired state, and a sign-in Kite refuses', async () => {
    const portfolioId = await createPortfolio(mine);
    const unknown = await complete(mine, 'no-such-state', kite.issueRequestToken());
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.body.data).toBeNull();

    // Kite's checksum check fails (the app secrets differ): a clear BAD_USER_INPUT.
    const { state, connection } = await connect(mine, portfolioId);
    kite.state.apiSecret = 'another-secret';
    const refused = await complete(mine, state, kite.issueRequestToken());
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0].message).toMatch(
      /Zerodha refused the session .*Invalid `checksum`/,
    );
    expect((await row(connection.id)).status).toBe('PENDING');
    // The state was spent by that attempt.
    kite.state.apiSecret = API_SECRET;
    const reused = await complete(mine, state, kite.issueRequestToken());
    expect(codes(reused)).toEqual(['BAD_USER_INPUT']);
    expect(reused.body.errors![0].message).toMatch(/unknown, expired or already used/);

    // A used request token is refused by Kite.
    const fresh = await connect(mine, portfolioId);
    const stale = await complete(mine, fresh.state, 'used-or-made-up');
    expect(codes(stale)).toEqual(['BAD_USER_INPUT']);

    const late = await connect(mine, portfolioId);
    await server.app.database.prisma.brokerConnection.update({
      where: { id: connection.id },
      data: { stateExpiresAt: new Date(Date.now() - 1_000) },
    });
    const expired = await complete(mine, late.state, kite.issueRequestToken());
    expect(codes(expired)).toEqual(['BAD_USER_INPUT']);
    const syncPending = await sync(mine, connection.id);
    expect(codes(syncPending)).toEqual(['BAD_USER_INPUT']);
  });

  it("keeps connections to their owner: someone else's id is NOT_FOUND", async () => {
    const { portfolioId, id } = await connected(mine);
    for (const query of [SYNC, 'mutation($id: ID!) { disconnectBroker(id: $id) }']) {
      const r = await gql(server.url, query, { ...theirs, variables: { id } });
      expect(codes(r)).toEqual(['NOT_FOUND']);
    }
    const notMine = await gql(server.url, CONNECT, { ...theirs, variables: { p: portfolioId } });
    expect(codes(notMine)).toEqual(['NOT_FOUND']);
    const listed = await gql<{ brokerConnections: unknown[] }>(
      server.url,
      'query { brokerConnections { id } }',
      theirs,
    );
    expect(listed.body.data!.brokerConnections).toEqual([]);
    // Their callback with my state is refused, and my state stays usable.
    const { state } = await connect(mine, portfolioId);
    expect(codes(await complete(theirs, state, kite.issueRequestToken()))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect((await complete(mine, state, kite.issueRequestToken())).body.errors).toBeUndefined();
    const badId = await gql(server.url, SYNC, { ...mine, variables: { id: 'not-a-uuid' } });
    expect(codes(badId)).toEqual(['NOT_FOUND']);
  });

  it('disconnects: the token is wiped and syncing stops', async () => {
    const { id } = await connected(mine);
    const r = await gql<{ disconnectBroker: boolean }>(
      server.url,
      'mutation($id: ID!) { disconnectBroker(id: $id) }',
      { ...mine, variables: { id } },
    );
    expect(r.body.data!.disconnectBroker).toBe(true);
    expect(await row(id)).toMatchObject({
      status: 'DISCONNECTED',
      tokenCiphertext: null,
      tokenExpiresAt: null,
    });
    expect(codes(await sync(mine, id))).toEqual(['BAD_USER_INPUT']);
  });

  it.each(['500', 'garbage', 'bad-shape', 'slow'] as const)(
    'answers UPSTREAM_UNAVAILABLE and writes nothing when Kite fails (%s)',
    async (fault) => {
      const { portfolioId, id } = await connected(mine);
      kite.state.holdings = [
        { exchange: 'NSE', tradingsymbol: 'INFY', quantity: 1, t1_quantity: 0, average_price: 1 },
      ];
      kite.state.fault = fault;
      const r = await sync(mine, id);
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(r.body.errors![0].message).not.toContain(kite.url);
      expect((await ledger(mine, portfolioId)).totalCount).toBe(0);
      expect(await row(id)).toMatchObject({ status: 'CONNECTED', holdingsImportedAt: null });
      kite.state.fault = 'none';
      expect((await sync(mine, id)).body.data!.syncBroker.imported).toBe(1);
    },
  );
});
