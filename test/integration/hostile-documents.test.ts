import { fanOutFragments } from '../../scripts/fuzz/pathological-documents';
import { MAX_SELECTIONS } from '../../src/server/validation-rules';
import { codes, gql } from '../helpers/graphql';
import { liveClient } from '../helpers/live-client';
import { waitFor } from '../helpers/wait';
import { startTestServer, type TestServer } from '../helpers/server';

const fanOut = (root: string, type: string, levels: number, leaf: string, fanOut = 2) =>
  fanOutFragments({ root, type, levels, leaf, fanOut });

// Each doubles the work of a walk that follows every spread; on the old code the first
// held the process for about 16 s at 22 levels, and these would hold it for ever.
const HOSTILE: Array<[string, string]> = [
  ['public root fields, doubling 60 times', fanOut('query { $ }', 'Query', 60, 'plans { name }')],
  ['private root fields, doubling 60 times', fanOut('query { $ }', 'Query', 60, 'me { id }')],
  [
    'company fields, doubling 60 times',
    fanOut('query { company(symbol: "AAPL") { $ } }', 'Company', 60, 'name quote { price }'),
  ],
  [
    // 11 tokens a fragment: 250 of them fit the 16 KiB body of an anonymous caller.
    'as many fragments as an anonymous body holds, fanning out 3 ways',
    fanOut('query { $ }', 'Query', 250, 'plans { name }', 3),
  ],
];

describe('hostile documents', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
    // Warm up: the first request of a process compiles much of the gateway's code.
    await gql(server.url, '{ plans { name } }');
  });
  afterAll(() => server.close());

  /** Asks /healthz while `work` runs; both must answer within a second. */
  async function whileHealthy<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const [result, health] = await Promise.all([
      work(),
      fetch(`${server.baseUrl}/healthz`).then((response) => ({
        status: response.status,
        ms: performance.now() - started,
      })),
    ]);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(1_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    return result;
  }

  it.each(HOSTILE)('refuses %s over HTTP at once, anonymous or not', async (_name, document) => {
    for (const options of [{}, { apiKey }]) {
      const response = await whileHealthy(() => gql(server.url, document, options));
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });

  it.each(HOSTILE)('refuses %s over graphql-ws at once', async (_name, document) => {
    const live = liveClient(server.url, { apiKey });
    try {
      const subscription = live.subscribe(document);
      await whileHealthy(() => waitFor(() => subscription.errors.length > 0, 1_000, 'an error'));
      expect(subscription.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    } finally {
      await live.dispose();
    }
  });

  it('prices fragments spread many times as written out, and refuses with 400', async () => {
    // 2^9 spreads of 20 quotes cost 10,240, over PRO's 5,000.
    const symbols = JSON.stringify(Array.from({ length: 20 }, (_, i) => `S${i}`));
    const document = fanOut('query { $ }', 'Query', 9, `quotes(symbols: ${symbols}) { price }`);
    const response = await whileHealthy(() => gql(server.url, document, { apiKey }));
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors![0].extensions).toMatchObject({ cost: 10_240, maxCost: 5_000 });
  });

  it('still answers a document whose fragments fit within the selection limit', async () => {
    // 2^8 spreads of `plans { name }`: 2^9 + 2^8 * 2 selections written out, costing
    // 256 (within FREE's 500; anonymous callers are priced as FREE).
    const document = fanOut('query { $ }', 'Query', 8, 'plans { name }');
    expect(2 ** 9 + 2 ** 9).toBeLessThan(MAX_SELECTIONS);
    const response = await whileHealthy(() => gql(server.url, document));
    expect(response.status).toBe(200);
    expect((response.body.data as { plans: unknown[] }).plans.length).toBeGreaterThan(0);
  });
});
