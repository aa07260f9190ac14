import fc from 'fast-check';
import type { GraphQLSchema } from 'graphql';
import { buildYieldflowSchema } from '../../src/schema/build-schema';
import { FRAGMENT_FAN_OUT_DEPTH } from '../../scripts/fuzz/document-arbitrary';
import { freeApiKey, FuzzTarget, problemsOf } from '../../scripts/fuzz/fuzz-target';
import {
  DEFAULT_FUZZ_SEED,
  gatewayProperty,
  type Tally,
} from '../../scripts/fuzz/gateway-property';
import { fanOutDocument } from '../../scripts/fuzz/pathological-documents';
import { startTestServer, type TestServer } from '../helpers/server';

// Fixed in CI so that a failure replays; FUZZ_SEED=<n> explores another part of the space.
const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_FUZZ_SEED);

/** Error log lines of the server (pino level 50 and up): an unexpected error is a finding. */
const errorsLogged = (server: TestServer) =>
  server.logs.filter((line) => Number(line.level) >= 50).map((line) => line.msg);

/** A fuzzing session against one server: its FREE key, the target, what it saw. */
async function session(env: Record<string, string>) {
  const server = await startTestServer(env);
  const apiKey = await freeApiKey(server.url, 'fuzz');
  const target = new FuzzTarget({ url: server.url, apiKey });
  const tally: Tally = new Map();
  const property = (schema: GraphQLSchema) =>
    gatewayProperty(schema, { url: server.url, baseUrl: server.baseUrl, apiKey }, target, tally);
  const close = async () => {
    target.close();
    await server.close();
  };
  return { server, target, tally, property, close };
}

const seen = (tally: Tally, outcome: string) => tally.get(outcome) ?? 0;

describe('fuzzing the gateway with documents built from its schema', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildYieldflowSchema();
  });

  describe('with FREE request limits raised (PLANS), so that answers are not all 429', () => {
    let fuzz: Awaited<ReturnType<typeof session>>;
    beforeAll(async () => {
      fuzz = await session({
        PLANS: JSON.stringify({ FREE: { requestsPerMinute: 1_000_000, requestsPerDay: null } }),
      });
    });
    afterAll(() => fuzz.close());

    it('answers every request in time, with contract codes, no 5xx, and stays up', async () => {
      await fc.assert(fuzz.property(schema), { seed, numRuns: 2_000 });
      await fuzz.server.app.services.usageRecorder.flush();
      expect(errorsLogged(fuzz.server)).toEqual([]);
      // The run reached every transport's answers and refusals, or it proved little.
      for (const transport of ['post', 'get', 'ws']) {
        expect(seen(fuzz.tally, `${transport}:data`)).toBeGreaterThan(10);
        expect(seen(fuzz.tally, `${transport}:BAD_USER_INPUT`)).toBeGreaterThan(10);
        expect(seen(fuzz.tally, `${transport}:QUERY_TOO_COMPLEX`)).toBeGreaterThan(0);
      }
      expect(seen(fuzz.tally, 'post:UNAUTHENTICATED')).toBeGreaterThan(0);
      expect(seen(fuzz.tally, 'ws:closed 4403')).toBeGreaterThan(0);
      expect(seen(fuzz.tally, 'ws:closed 4400')).toBeGreaterThan(0);
    }, 120_000);

    it.each(['Query', 'Company'] as const)(
      `answers fragments on %s spreading the next twice, ${FRAGMENT_FAN_OUT_DEPTH} levels deep, in time`,
      async (on) => {
        const answer = await fuzz.target.send({
          document: { query: fanOutDocument(FRAGMENT_FAN_OUT_DEPTH, on) },
          transport: 'post',
          anonymous: false,
          preflight: true,
        });
        expect(problemsOf(answer)).toEqual([]);
      },
    );
  });

  describe('with the default FREE limits (60 a minute, a burst of 30)', () => {
    let fuzz: Awaited<ReturnType<typeof session>>;
    beforeAll(async () => {
      fuzz = await session({});
    });
    afterAll(() => fuzz.close());

    it('still answers with contract codes once the rate limit refuses', async () => {
      // Twice what the minute and the burst together allow, over three transports.
      await fc.assert(fuzz.property(schema), { seed: seed + 1, numRuns: 300 });
      expect(errorsLogged(fuzz.server)).toEqual([]);
      expect(seen(fuzz.tally, 'post:RATE_LIMITED')).toBeGreaterThan(0);
    }, 60_000);
  });
});
