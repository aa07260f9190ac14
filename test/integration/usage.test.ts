import { codes, gql } from '../helpers/graphql';
import { MAX_OPERATION_NAMES_PER_DAY } from '../../src/services/operation-names';
import { startTestServer, type TestServer } from '../helpers/server';
import { testEnv } from '../helpers/test-env';

interface UsageAnswer {
  usage: {
    from: string;
    to: string;
    requests: number;
    cost: number;
    errors: number;
    byDay: Array<{ date: string; requests: number; cost: number }>;
    byOperation: Array<{ operationName: string; requests: number; cost: number }>;
    byApiKey: Array<{ apiKeyId: string | null; name: string | null; requests: number }>;
    remaining: { requestsPerDay: number; requestsToday: number; remainingToday: number };
  };
}

const USAGE = `query Usage($from: Date, $to: Date) { usage(from: $from, to: $to) {
  from to requests cost errors
  byDay { date requests cost }
  byOperation { operationName requests cost }
  byApiKey { apiKeyId name requests }
  remaining { requestsPerDay requestsToday remainingToday } } }`;

describe('usage metering', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "usage.${Date.now()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    token = registered.body.data!.register.accessToken;
  });
  afterAll(() => server.close());

  it('records every request (operation, cost, status, key, cache hits) and sums them', async () => {
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const key = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      server.url,
      'mutation CreateKey { createApiKey(name: "metered") { secret apiKey { id } } }',
      auth,
    );
    const { secret, apiKey } = key.body.data!.createApiKey;
    // Three Cards requests, worded differently (so that the response cache, which would
    // answer the same words without any market-data lookup, keeps out of it).
    for (const fields of [
      'symbol quote { price }',
      'quote { price } symbol',
      '__typename symbol quote { price }',
    ]) {
      await gql(server.url, `query Cards { companies(symbols: ["KO", "PEP"]) { ${fields} } }`, {
        apiKey: secret,
      });
    }
    const failed = await gql(server.url, 'query Bad { quote(symbol: "not a symbol") { price } }', {
      apiKey: secret,
    });
    expect(codes(failed)).toEqual(['BAD_USER_INPUT']);

    const response = await gql<UsageAnswer>(server.url, USAGE, auth);
    expect(response.body.errors).toBeUndefined();
    const usage = response.body.data!.usage;
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.to).toBe(today);
    // CreateKey, 3 x Cards, Bad; the usage query itself is recorded after it answers.
    expect(usage.requests).toBe(5);
    expect(usage.errors).toBe(1);
    const byName = Object.fromEntries(usage.byOperation.map((o) => [o.operationName, o]));
    expect(byName.Cards).toEqual({ operationName: 'Cards', requests: 3, cost: 3 * 2 * 2 });
    expect(byName.Bad.requests).toBe(1);
    expect(byName.CreateKey.requests).toBe(1);
    // Cards 4 each (2 companies x (company + quote)), Bad 1, CreateKey 2 (two objects).
    expect(usage.cost).toBe(12 + 1 + 2);
    expect(usage.byDay).toEqual([{ date: today, requests: 5, cost: 15 }]);
    const byKey = Object.fromEntries(usage.byApiKey.map((k) => [k.apiKeyId ?? 'session', k]));
    expect(byKey[apiKey.id]).toMatchObject({ name: 'metered', requests: 4 });
    expect(byKey.session.requests).toBe(1);
    // What is left is read from the counters that enforce it: the usage query itself
    // was counted before it ran.
    expect(usage.remaining).toEqual({
      requestsPerDay: 1000,
      requestsToday: 6,
      remainingToday: 994,
    });

    const rows = await server.db.database.prisma.usageRecord.findMany({
      where: { apiKeyId: apiKey.id },
    });
    // A row sums one key's requests of one operation and status in one second.
    const cards = rows.filter((r) => r.operationName === 'Cards');
    const total = (key: 'requests' | 'cost' | 'cacheHits') =>
      cards.reduce((sum, r) => sum + r[key], 0);
    expect(cards.every((r) => r.status === 'OK' && r.durationMs >= 0)).toBe(true);
    expect(cards.every((r) => r.createdAt.getTime() % 1000 === 0)).toBe(true);
    expect(total('requests')).toBe(3);
    expect(total('cost')).toBe(3 * 4);
    // The second and third Cards requests find both companies and quotes cached; the key
    // is FREE, so each delayed quote also reads its symbol's daily bars (the last close).
    expect(total('cacheHits')).toBe(6 + 6);
    expect(rows.find((r) => r.operationName === 'Bad')).toMatchObject({
      status: 'BAD_USER_INPUT',
      requests: 1,
    });
  });

  it('validates the range', async () => {
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const reversed = await gql(server.url, USAGE, {
      ...auth,
      variables: { from: '2026-02-01', to: '2026-01-01' },
    });
    expect(codes(reversed)).toEqual(['BAD_USER_INPUT']);
    const tooLong = await gql(server.url, USAGE, {
      ...auth,
      variables: { from: '2020-01-01', to: '2026-01-01' },
    });
    expect(codes(tooLong)).toEqual(['BAD_USER_INPUT']);
  });

  /** A new account (its own usage) with a key (its own rate limit and names). */
  async function accountWithKey(): Promise<{
    auth: { headers: Record<string, string> };
    secret: string;
  }> {
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      `mutation { register(email: "names.${Date.now()}.${Math.random()}@example.com", password: "correct horse battery") { accessToken } }`,
    );
    const auth = {
      headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` },
    };
    const key = await gql<{ createApiKey: { secret: string } }>(
      server.url,
      'mutation CreateKey { createApiKey(name: "names") { secret } }',
      auth,
    );
    return { auth, secret: key.body.data!.createApiKey.secret };
  }

  const byOperation = (usage: UsageAnswer['usage']) =>
    Object.fromEntries(usage.byOperation.map((o) => [o.operationName, o.requests]));

  it("meters a key's operation names past the day's cap as `other`, totals exact", async () => {
    const { auth, secret } = await accountWithKey();
    const extra = 5;
    for (let i = 0; i < MAX_OPERATION_NAMES_PER_DAY + extra; i += 1) {
      const answer = await gql(server.url, `query Op${i} { plans { name } }`, { apiKey: secret });
      expect(answer.status).toBe(200);
    }
    const usage = (await gql<UsageAnswer>(server.url, USAGE, auth)).body.data!.usage;
    const names = byOperation(usage);
    expect(names.other).toBe(extra);
    expect(names.CreateKey).toBe(1);
    expect(Object.keys(names)).toHaveLength(MAX_OPERATION_NAMES_PER_DAY + 2);
    expect(usage.requests).toBe(MAX_OPERATION_NAMES_PER_DAY + extra + 1);
  });

  (testEnv.databaseUrl && testEnv.redisUrl ? it : it.skip)(
    'holds the cap across replicas sharing one Redis',
    async () => {
      const replica = await startTestServer({}, { replicaOf: server });
      try {
        const { auth, secret } = await accountWithKey();
        const send = (url: string, from: number, count: number) =>
          Promise.all(
            Array.from({ length: count }, (_, i) =>
              gql(url, `query Op${from + i} { plans { name } }`, { apiKey: secret }),
            ),
          );
        // 30 names on one replica, 25 others on the second: 55 distinct, each replica under the cap.
        await send(server.url, 0, 30);
        await send(replica.url, 30, 25);
        await server.app.services.usageRecorder.flush();
        await replica.app.services.usageRecorder.flush();
        const usage = (await gql<UsageAnswer>(server.url, USAGE, auth)).body.data!.usage;
        const names = byOperation(usage);
        expect(names.other).toBe(55 - MAX_OPERATION_NAMES_PER_DAY);
        expect(Object.keys(names)).toHaveLength(MAX_OPERATION_NAMES_PER_DAY + 2);
        expect(usage.requests).toBe(55 + 1);
      } finally {
        await replica.close();
      }
    },
  );
});
