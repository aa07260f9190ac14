/**
 * Execution engines on the gateway's own schema and resolvers: graphql-js' `execute`
 * (what Apollo runs) against graphql-jit's compiled queries, on the hot quote query and
 * on a 20-company card query (quote and profile each), resolvers over the in-process
 * market cache (simulator behind it, warm). Documents are parsed once, as Apollo's
 * document store does; each iteration gets a fresh context (fresh DataLoaders), as a
 * request does. Prints operations per second and the ratio jit / graphql-js.
 *
 *   npm run bench:execution -- [--iterations 20000]
 */
import { parseArgs } from 'node:util';
import { execute, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import pino from 'pino';
import { createContext } from '../src/context';
import { DEFAULT_PLANS } from '../src/domain/plans';
import { SCOPES, type Viewer } from '../src/domain/viewer';
import { buildYieldflowSchema } from '../src/schema/build-schema';
import type { Services } from '../src/server/services';
import { createMarketData } from '../src/services/market-data.factory';
import { TWENTY_SYMBOLS } from './gateway';

const QUOTE =
  'query Quote($symbol: String!) { quote(symbol: $symbol) { symbol price change changePercent timestamp } }';
const CARDS = `query Cards($symbols: [String!]!) {
  companies(symbols: $symbols) { symbol name sector marketCap quote { price change changePercent } }
}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
  const iterations = Number(values.iterations);
  const logger = pino({ level: 'silent' });
  const schema = await buildYieldflowSchema();
  const marketData = createMarketData({
    config: {
      providers: [{ name: 'simulator', rateLimits: [] }],
      providerTimeoutMs: 3_000,
      maxDayMove: 1,
    },
    redis: null,
    logger,
  });
  // What resolvers of these queries use of the services.
  const services = {
    marketData,
    plans: DEFAULT_PLANS,
    analytics: { riskFreeRate: 0 },
  } as unknown as Services;
  const viewer: Viewer = {
    userId: '00000000-0000-0000-0000-000000000000',
    email: 'bench@example.com',
    plan: 'PRO',
    role: 'USER',
    scopes: [...SCOPES],
  };
  const context = () => createContext({ requestId: 'bench', logger, viewer, services });

  const cases: Array<{ name: string; document: DocumentNode; variables: Record<string, unknown> }> =
    [
      { name: 'hot quote', document: parse(QUOTE), variables: { symbol: 'AAPL' } },
      { name: '20 company cards', document: parse(CARDS), variables: { symbols: TWENTY_SYMBOLS } },
    ];
  console.log(
    `Execution engines, ${iterations} iterations per case (after ${iterations / 10} warm-up)`,
  );
  for (const c of cases) {
    const compiled = compileQuery(schema, c.document);
    if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled));
    const runs = {
      'graphql-js': () =>
        execute({
          schema,
          document: c.document,
          variableValues: c.variables,
          contextValue: context(),
        }),
      'graphql-jit': () => compiled.query(undefined, context(), c.variables),
    };
    const results: Record<string, { perSecond: number; answer: string }> = {};
    for (const [engine, run] of Object.entries(runs)) {
      let answer = '';
      for (let i = 0; i < iterations / 10; i += 1) await run();
      const started = performance.now();
      for (let i = 0; i < iterations; i += 1) {
        const result = (await run()) as ExecutionResult;
        if (i === 0) answer = JSON.stringify(result.data);
        if (result.errors) throw new Error(`${engine}: ${JSON.stringify(result.errors)}`);
      }
      results[engine] = { perSecond: iterations / ((performance.now() - started) / 1_000), answer };
    }
    const same = results['graphql-js'].answer === results['graphql-jit'].answer;
    console.log(`\n${c.name}${same ? '' : '  (answers differ!)'}`);
    for (const [engine, r] of Object.entries(results)) {
      console.log(`  ${engine.padEnd(12)} ${r.perSecond.toFixed(0).padStart(8)} executions/s`);
    }
    console.log(
      `  ratio (graphql-jit / graphql-js): ${(results['graphql-jit'].perSecond / results['graphql-js'].perSecond).toFixed(2)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
