/**
 * The HTTP fast path: autocannon (100 connections) on a hot `quote(symbol)` query and on
 * a hot 20-holding portfolio query through the whole gateway (API key, rate limit, cost,
 * usage metering, Apollo, the response cache for the quote, resolvers over the market
 * cache and PostgreSQL/PGlite for the portfolio), and, in the same run, on a bare
 * `node:http` server answering the same bytes (the ceiling: no GraphQL, nothing between
 * the socket and the answer). Each server runs in a process of its own; autocannon runs
 * in this one.
 *
 *   npm run bench:http -- [--connections 100] [--seconds 10] [--scenario quote|portfolio]
 *
 * The gateway runs on the embedded database (or DATABASE_URL) and the in-process cache
 * (or REDIS_URL), on the simulator, with PLANS lifting the ENTERPRISE rate limits (the
 * limiter still runs on every request). Goal (issue 8): ratio >= 0.5 for the hot quote,
 * p99 < 50 ms at 100 connections.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { enterpriseAccount, graphql, startBenchGateway, TWENTY_SYMBOLS } from './gateway';

const QUOTE =
  'query Quote($symbol: String!) { quote(symbol: $symbol) { symbol price change changePercent timestamp } }';
const PORTFOLIO = `query Portfolio($id: ID!) {
  portfolio(id: $id) {
    name
    valuation { marketValue costBasis unrealizedPnl dayChange totalReturn asOf }
    holdings { symbol quantity averageCost marketValue weight quote { price } }
  }
}`;

/** One measured request: what is sent, and (after the gateway answered it) the bytes. */
interface Scenario {
  name: string;
  body: string;
  headers: Record<string, string>;
}

// ---------------------------------------------------------------- server processes

async function gatewayMain(): Promise<void> {
  const { app, dataDir } = await startBenchGateway({
    PLANS: JSON.stringify({
      ENTERPRISE: { requestsPerMinute: 100_000_000, requestsPerDay: null },
    }),
  });
  const { accessToken, keys } = await enterpriseAccount(app, 1);
  const bearer = { authorization: `Bearer ${accessToken}` };
  const call = <T>(query: string, headers: Record<string, string>) =>
    graphql<T>(app.url, query, headers);
  const { createPortfolio } = await call<{ createPortfolio: { id: string } }>(
    'mutation { createPortfolio(name: "Twenty", baseCurrency: "USD") { id } }',
    bearer,
  );
  for (const [i, symbol] of TWENTY_SYMBOLS.entries()) {
    await call(
      `mutation { addTransaction(portfolioId: "${createPortfolio.id}", input: { type: BUY, date: "2025-0${1 + (i % 9)}-1${i % 10}", symbol: "${symbol}", quantity: "${10 + i}", price: "${100 + i}", fee: "1" }) { id } }`,
      bearer,
    );
  }
  const headers = { 'content-type': 'application/json', 'x-api-key': keys[0] };
  const scenarios: Scenario[] = [
    {
      name: 'hot quote',
      body: JSON.stringify({ query: QUOTE, variables: { symbol: 'AAPL' } }),
      headers,
    },
    {
      name: '20-holding portfolio',
      body: JSON.stringify({ query: PORTFOLIO, variables: { id: createPortfolio.id } }),
      headers,
    },
  ];
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') {
      void app.stop().then(async () => {
        await rm(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send!({ type: 'started', url: app.url, scenarios });
}

/** Answers POST /graphql with the recorded bytes of the scenario whose body matches. */
async function bareMain(): Promise<void> {
  const answers = await new Promise<Array<{ body: string; answer: string; type: string }>>(
    (resolve) => process.once('message', resolve),
  );
  const byBody = new Map(answers.map((a) => [a.body, a]));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const found = byBody.get(Buffer.concat(chunks).toString('utf8'));
      if (!found) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': found.type });
      res.end(found.answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') server.close(() => process.exit(0));
  });
  process.send!({
    type: 'started',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
  });
}

// ---------------------------------------------------------------- the measuring side

function start(role: string, payload?: unknown) {
  const child: ChildProcess = fork(__filename, [`--${role}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_CPU_PROF=dir: CPU profiles of the servers, for a look at where time goes.
    execArgv: process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [],
  });
  const started = new Promise<{ url: string; scenarios?: Scenario[] }>((resolve, reject) => {
    child.on('message', (m: { type: string; url: string; scenarios?: Scenario[] }) => {
      if (m.type === 'started') resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  if (payload !== undefined) child.send(payload as object);
  return {
    started,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

interface Measured {
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function measure(url: string, scenario: Scenario, connections: number, seconds: number) {
  const run = (duration: number) =>
    autocannon({
      url,
      method: 'POST',
      connections,
      duration,
      headers: scenario.headers,
      body: scenario.body,
    });
  await run(2); // warm-up: JIT, caches, connection pools
  const result = await run(seconds);
  const measured: Measured = {
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
  return measured;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      // One scenario alone, e.g. for a CPU profile of it (BENCH_CPU_PROF).
      scenario: { type: 'string' },
    },
  });
  const connections = Number(values.connections);
  const seconds = Number(values.seconds);
  const gateway = start('gateway');
  const { url, scenarios } = await gateway.started;
  // The exact bytes the gateway answers, for the bare server to answer too.
  const answers = await Promise.all(
    scenarios!.map(async (s) => {
      const response = await fetch(url, { method: 'POST', headers: s.headers, body: s.body });
      return {
        body: s.body,
        answer: await response.text(),
        type: response.headers.get('content-type') ?? 'application/json',
      };
    }),
  );
  for (const { answer } of answers) {
    if (JSON.parse(answer).errors) throw new Error(`the gateway answered with errors: ${answer}`);
  }
  const bare = start('bare', answers);
  const bareUrl = (await bare.started).url;
  console.log(
    `HTTP fast path: autocannon, ${connections} connections, ${seconds} s per run after a 2 s warm-up; database ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, cache ${process.env.REDIS_URL ? 'Redis' : 'in-process'}`,
  );
  const row = (label: string, m: Measured) =>
    `  ${label.padEnd(12)} ${m.requests.toFixed(0).padStart(7)} req/s  p50 ${String(m.p50).padStart(3)} ms  p99 ${String(m.p99).padStart(3)} ms${m.non2xx ? `  (${m.non2xx} non-2xx!)` : ''}`;
  const chosen = scenarios!.filter((s) => !values.scenario || s.name.includes(values.scenario!));
  if (chosen.length === 0) throw new Error(`no scenario matches --scenario ${values.scenario}`);
  for (const scenario of chosen) {
    const baseline = await measure(bareUrl, scenario, connections, seconds);
    const measured = await measure(url, scenario, connections, seconds);
    console.log(
      `\n${scenario.name} (${answers.find((a) => a.body === scenario.body)!.answer.length} bytes)`,
    );
    console.log(row('bare node', baseline));
    console.log(row('gateway', measured));
    console.log(
      `  ratio (gateway / bare req/s): ${(measured.requests / baseline.requests).toFixed(3)}${scenario.name === 'hot quote' ? '   goal >= 0.5, p99 < 50 ms' : ''}`,
    );
  }
  await Promise.all([gateway.stop(), bare.stop()]);
}

if (process.argv.includes('--gateway')) void gatewayMain();
else if (process.argv.includes('--bare')) void bareMain();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
