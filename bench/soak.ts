/**
 * Soak: a mixed HTTP and WebSocket load on the gateway for a set time, sampling the
 * gateway's own RSS, heap used, active handles and event-loop lag p99 (from its
 * `/metrics`) and the errors the clients saw, so that a long run shows whether memory
 * stays flat after warm-up and nothing fails.
 *
 *   npm run bench:soak -- [--minutes 10] [--sample-seconds 30] [--http-rps 200] [--sockets 200]
 *
 * The gateway runs in a process of its own (bench/gateway.ts: production mode, a fresh
 * embedded database or DATABASE_URL, the in-process cache or REDIS_URL, the simulator),
 * with PLANS lifting ENTERPRISE's request and connection limits (one account's) above the
 * load: the limiter and the connection count still run on every request and socket. The load runs in this process:
 * - HTTP at `--http-rps`: quotes 48 %, company cards 24 %, a 20-holding portfolio 16 %,
 *   its analytics 10 %, mutations 2 % (a buy added, then deleted: the ledger stays
 *   bounded, and every mutation invalidates the portfolio being read);
 * - `--sockets` graphql-ws connections, each with a live quote subscription to 3 of the
 *   20 symbols and a query every 10–30 s; each lives 30–120 s, closes cleanly and is
 *   replaced, so connection churn is part of the soak.
 * Before each sample the gateway runs a full GC, so heap and RSS are what it retains,
 * not where its collector happened to be. Errors: HTTP non-2xx, GraphQL errors, socket
 * errors, `error` messages and closes the client did not ask for. Growth is the
 * median of the last samples over that of the first ones after warm-up (10 % of the run,
 * at most 2 minutes), a fifth of them each, at most 10.
 * Exit code 0 whatever was measured; 1 only if the gateway fails to start or dies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { enterpriseAccount, graphql, startBenchGateway, TWENTY_SYMBOLS } from './gateway';

/** Sockets share a key as a client's replicas would; several keys, several key-cache entries. */
const SOCKETS_PER_KEY = 50;
const MAX_IN_FLIGHT = 256;

interface Setup {
  url: string;
  /** keys[0] for HTTP, the others for sockets. */
  keys: string[];
  portfolioId: string;
  dataDir: string;
}

// ---------------------------------------------------------------- the gateway process

async function gatewayMain(sockets: number): Promise<void> {
  // Ctrl-C reaches the whole process group: the bench stops this process once the load has.
  process.on('SIGINT', () => undefined);
  const { app, dataDir } = await startBenchGateway({
    PLANS: JSON.stringify({
      // Room for sockets closing while their replacements open.
      ENTERPRISE: { requestsPerMinute: 1_000_000, websocketConnections: 2 * sockets + 100 },
    }),
  });
  const account = await enterpriseAccount(app, 1 + Math.ceil(sockets / SOCKETS_PER_KEY));
  const bearer = { authorization: `Bearer ${account.accessToken}` };
  const { createPortfolio } = await graphql<{ createPortfolio: { id: string } }>(
    app.url,
    'mutation { createPortfolio(name: "Soak") { id } }',
    bearer,
  );
  const csv = ['date,type,symbol,quantity,price,fee']
    .concat(TWENTY_SYMBOLS.map((s, i) => `2025-03-03,BUY,${s},${5 + i},${50 + 3 * i},1`))
    .join('\n');
  await graphql(
    app.url,
    `mutation { importTransactions(portfolioId: "${createPortfolio.id}", csv: ${JSON.stringify(csv)}) { imported } }`,
    bearer,
  );
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= app
      .stop()
      .finally(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0)));
  process.on('disconnect', () => void stop());
  process.on('message', (message: { type: string }) => {
    if (message.type === 'gc') {
      global.gc?.();
      process.send!({ type: 'gc' });
    }
    if (message.type === 'stop') void stop();
  });
  const setup: Setup = {
    url: app.url,
    keys: account.keys,
    portfolioId: createPortfolio.id,
    dataDir,
  };
  process.send!({ type: 'started', setup });
}

// ---------------------------------------------------------------- what the clients saw

/** Counts over one sample interval (and, in `totals`, the whole run). */
class Tally {
  requests = 0;
  events = 0;
  errors = 0;
  skipped = 0;
  opened = 0;
  latencies: number[] = [];
  /** Errors by kind, with the first message of each. */
  readonly kinds = new Map<string, { count: number; example: string }>();

  fail(kind: string, example: string): void {
    this.errors += 1;
    const seen = this.kinds.get(kind) ?? { count: 0, example: example.slice(0, 200) };
    seen.count += 1;
    this.kinds.set(kind, seen);
  }
}

const percentile = (values: number[], p: number) =>
  values.length ? [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1] : NaN;

interface Answer {
  data?: { addTransaction?: { id: string } } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** GraphQL errors of an answer, as `graphql CODE` kinds. */
function checkErrors(tally: Tally, body: Answer) {
  for (const error of body.errors ?? []) {
    tally.fail(`graphql ${error.extensions?.code ?? 'no code'}`, error.message);
  }
}

// ---------------------------------------------------------------- HTTP load

const QUOTE = 'query($s: String!) { quote(symbol: $s) { symbol price change changePercent } }';
const CARD =
  'query($s: String!) { company(symbol: $s) { name sector exchange quote { price change } } }';
const HOLDINGS =
  'query($id: ID!) { portfolio(id: $id) { valuation { marketValue dayChange totalReturn } holdings { symbol quantity marketValue weight } } }';
const ANALYTICS =
  'query($id: ID!) { portfolio(id: $id) { risk { beta volatility } allocation(by: SECTOR) { key weight } } }';
const ADD =
  'mutation($id: ID!) { addTransaction(portfolioId: $id, input: { type: BUY, date: "2025-03-04", symbol: "AAPL", quantity: "1", price: "100", fee: "0" }) { id } }';
const DELETE = 'mutation($id: ID!) { deleteTransaction(id: $id) }';

function startHttpLoad(setup: Setup, rps: number, tally: () => Tally[]): () => Promise<void> {
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  // The buy added last (its id), 'adding' while that answer is awaited, or null.
  let added: string | null = null;
  const headers = { 'content-type': 'application/json', 'x-api-key': setup.keys[0] };
  const pick = (n: number): [string, Record<string, string>] => {
    const s = TWENTY_SYMBOLS[(n * 7) % TWENTY_SYMBOLS.length];
    const id = setup.portfolioId;
    const slot = n % 50;
    if (slot === 0 && added === null) {
      added = 'adding';
      return [ADD, { id }];
    }
    if (slot === 0 && added !== 'adding') {
      const deleted = { id: added! };
      added = null;
      return [DELETE, deleted];
    }
    if (slot >= 1 && slot <= 5) return [ANALYTICS, { id }];
    if (slot >= 6 && slot <= 13) return [HOLDINGS, { id }];
    if (slot >= 14 && slot <= 25) return [CARD, { s }];
    return [QUOTE, { s }];
  };
  const one = async (n: number) => {
    const [query, variables] = pick(n);
    const at = performance.now();
    try {
      const response = await fetch(setup.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      for (const t of tally()) {
        t.requests += 1;
        t.latencies.push(performance.now() - at);
        if (response.status < 200 || response.status > 299) t.fail(`http ${response.status}`, text);
      }
      const body = JSON.parse(text) as Answer;
      for (const t of tally()) checkErrors(t, body);
      if (query === ADD) added = body.data?.addTransaction?.id ?? null;
    } catch (error) {
      for (const t of tally()) t.fail('http request failed', String(error));
      if (query === ADD) added = null;
    }
  };
  // Paced on the clock, not on the timer's ticks, so that a late tick catches up.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * rps) / 1_000);
    for (; issued < due; issued += 1) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        for (const t of tally()) t.skipped += 1;
        continue;
      }
      const request = one(issued).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  }, 10);
  return async () => {
    clearInterval(timer);
    await Promise.all(inFlight);
  };
}

// ---------------------------------------------------------------- WebSocket load

const LIVE = 'subscription($symbols: [String!]!) { quotes(symbols: $symbols) { symbol price } }';
const between = (low: number, high: number) => low + Math.random() * (high - low);

function startSocketLoad(setup: Setup, count: number, tally: () => Tally[]): () => Promise<void> {
  const url = setup.url.replace(/^http/, 'ws');
  const open = new Map<WebSocket, () => void>();
  let running = true;
  const connect = (slot: number) => {
    if (!running) return;
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const symbols = [0, 7, 13].map((k) => TWENTY_SYMBOLS[(slot + k) % TWENTY_SYMBOLS.length]);
    const timers: NodeJS.Timeout[] = [];
    let ours = false;
    let acked = false;
    let queries = 0;
    const fail = (kind: string, example: string) => {
      for (const t of tally()) t.fail(kind, example);
    };
    const send = (message: object) => socket.send(JSON.stringify(message));
    const end = () => {
      ours = true;
      for (const timer of timers) clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN) send({ id: 'live', type: 'complete' });
      socket.close(1000);
    };
    const query = () => {
      queries += 1;
      send({
        id: `q${queries}`,
        type: 'subscribe',
        payload: { query: QUOTE, variables: { s: symbols[1] } },
      });
      timers.push(setTimeout(query, between(10_000, 30_000)));
    };
    open.set(socket, end);
    for (const t of tally()) t.opened += 1;
    timers.push(
      setTimeout(() => {
        if (!acked) fail('ws no ack in 10 s', url);
      }, 10_000),
      setTimeout(end, between(30_000, 120_000)),
    );
    socket.on('open', () =>
      send({
        type: 'connection_init',
        payload: { apiKey: setup.keys[1 + Math.floor(slot / SOCKETS_PER_KEY)] },
      }),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        acked = true;
        send({ id: 'live', type: 'subscribe', payload: { query: LIVE, variables: { symbols } } });
        timers.push(setTimeout(query, between(1_000, 30_000)));
      } else if (message.type === 'next') {
        for (const t of tally()) {
          if (message.id === 'live') t.events += 1;
          else t.requests += 1;
          checkErrors(t, message.payload as Answer);
        }
      } else if (message.type === 'error') {
        fail('ws error message', JSON.stringify(message.payload));
      } else if (message.type === 'complete' && message.id === 'live' && !ours) {
        fail('ws subscription completed', JSON.stringify(message));
      }
    });
    socket.on('error', (error) => ours || fail('ws socket error', String(error)));
    socket.on('close', (code, reason) => {
      for (const timer of timers) clearTimeout(timer);
      open.delete(socket);
      if (!ours) fail(`ws close ${code}`, String(reason));
      setTimeout(() => connect(slot), between(0, 1_000));
    });
  };
  for (let slot = 0; slot < count; slot += 1) setTimeout(() => connect(slot), slot * 25);
  return async () => {
    running = false;
    const closed = [...open.keys()].map((s) => new Promise((resolve) => s.once('close', resolve)));
    for (const end of open.values()) end();
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    for (const socket of open.keys()) socket.terminate();
  };
}

// ---------------------------------------------------------------- sampling

interface Sample {
  elapsedMs: number;
  rss: number;
  heap: number;
  handles: number;
  sockets: number;
  lagP99: number;
  requests: number;
  events: number;
  clientP99: number;
  errorsPerMinute: number;
}

/** The gateway's process, started from this file, and the setup it made. */
function startGateway(sockets: number): Promise<{ child: ChildProcess; setup: Setup }> {
  const child = fork(__filename, ['--gateway', String(sockets)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { type: string; setup: Setup }) => {
      if (message.type === 'started') resolve({ child, setup: message.setup });
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
  });
}

/** A full GC in the gateway, then its gauges. */
async function scrape(child: ChildProcess, setup: Setup) {
  await new Promise<void>((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type !== 'gc') return;
      child.off('message', listener);
      resolve();
    };
    child.on('message', listener);
    child.send({ type: 'gc' });
  });
  const text = await (await fetch(setup.url.replace(/\/graphql$/, '/metrics'))).text();
  const gauge = (name: string) =>
    Number(new RegExp(`^yieldflow_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: gauge('process_resident_memory_bytes'),
    heap: gauge('nodejs_heap_size_used_bytes'),
    handles: gauge('nodejs_active_handles_total'),
    sockets: gauge('ws_connections'),
    lagP99: gauge('nodejs_eventloop_lag_p99_seconds'),
  };
}

const MB = 1024 * 1024;
const clock = (ms: number) => {
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};
const COLUMNS = [
  'elapsed',
  'RSS MB',
  'heap MB',
  'handles',
  'sockets',
  'lag p99 ms',
  'requests',
  'ws events',
  'client p99 ms',
  'errors/min',
];

function printRow(sample: Sample): void {
  const cells = [
    clock(sample.elapsedMs),
    (sample.rss / MB).toFixed(1),
    (sample.heap / MB).toFixed(1),
    String(sample.handles),
    String(sample.sockets),
    (sample.lagP99 * 1_000).toFixed(1),
    String(sample.requests),
    String(sample.events),
    Number.isNaN(sample.clientP99) ? '-' : sample.clientP99.toFixed(1),
    sample.errorsPerMinute.toFixed(1),
  ];
  console.log(cells.map((cell, i) => cell.padStart(COLUMNS[i].length)).join('  '));
}

function printSummary(samples: Sample[], warmUpMs: number, totals: Tally): void {
  const loaded = samples.slice(1);
  const after = loaded.filter((s) => s.elapsedMs >= warmUpMs);
  if (after.length === 0) return;
  // RSS moves by tens of MB from one sample to the next (allocator arenas, socket
  // buffers): growth compares the median of the first fifth of the samples after
  // warm-up (at most 10) with the median of as many last ones, not two single samples.
  const n = Math.max(1, Math.min(10, Math.floor(after.length / 5)));
  const first = after.slice(0, n);
  const final = after.slice(-n);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const growth = (label: string, pick: (s: Sample) => number) => {
    const base = median(first.map(pick));
    const end = median(final.map(pick));
    const ratio = end / base;
    const sign = ratio >= 1 ? '+' : '';
    console.log(
      `  ${label} ${(base / MB).toFixed(1)} -> ${(end / MB).toFixed(1)} MB: ratio ${ratio.toFixed(3)} (${sign}${((ratio - 1) * 100).toFixed(1)} %)`,
    );
  };
  console.log(
    `\nafter warm-up (median of ${n} sample(s) from ${clock(first[0].elapsedMs)} against the last ${n}, to ${clock(final[final.length - 1].elapsedMs)}; goal < 5 % growth, 0 errors):`,
  );
  growth('RSS ', (s) => s.rss);
  growth('heap', (s) => s.heap);
  console.log(
    `  max event-loop lag p99 ${(Math.max(...loaded.map((s) => s.lagP99)) * 1_000).toFixed(1)} ms`,
  );
  console.log(
    `  ${totals.requests} requests (HTTP and over sockets), client p99 ${percentile(totals.latencies, 0.99).toFixed(1)} ms, ${totals.events} live events, ${totals.opened} sockets opened, ${totals.skipped} requests skipped (${MAX_IN_FLIGHT} in flight)`,
  );
  console.log(`  errors: ${totals.errors}`);
  for (const [kind, { count, example }] of totals.kinds)
    console.log(`    ${count} × ${kind}: ${example}`);
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      'sample-seconds': { type: 'string' },
      'http-rps': { type: 'string', default: '200' },
      sockets: { type: 'string', default: '200' },
    },
  });
  const durationMs = Number(values.minutes) * 60_000;
  const sampleMs = Number(values['sample-seconds'] ?? (durationMs < 300_000 ? 10 : 30)) * 1_000;
  const rps = Number(values['http-rps']);
  const sockets = Number(values.sockets);
  if (
    ![durationMs, sampleMs, rps, sockets].every((n) => Number.isFinite(n) && n >= 0) ||
    !sampleMs
  ) {
    throw new Error('--minutes, --sample-seconds, --http-rps and --sockets take positive numbers');
  }
  const warmUpMs = Math.min(durationMs / 10, 120_000);
  const { child, setup } = await startGateway(sockets);
  let dead = false;
  child.once('exit', (code) => {
    dead = true;
    console.error(`the gateway exited with ${code} during the run`);
    void rm(setup.dataDir, { recursive: true, force: true }).then(() => process.exit(1));
  });
  const stopped = new AbortController();
  let interruptedAt = 0;
  process.on('SIGINT', () => {
    // Under `npm run`, one Ctrl-C arrives twice (the terminal's and npm's forwarded copy).
    if (stopped.signal.aborted) {
      if (Date.now() - interruptedAt > 1_000) child.kill('SIGKILL');
      return;
    }
    interruptedAt = Date.now();
    console.log('\ninterrupted: stopping the load (Ctrl-C again to kill the gateway)');
    stopped.abort();
  });
  console.log(
    `Soak: ${values.minutes} min, ${rps} HTTP req/s, ${sockets} sockets (30-120 s each), a sample every ${sampleMs / 1_000} s, warm-up ${clock(warmUpMs)}; database ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, cache ${process.env.REDIS_URL ? 'Redis' : 'in-process'}`,
  );
  console.log(COLUMNS.join('  '));
  const totals = new Tally();
  let interval = new Tally();
  const tallies = () => [interval, totals];
  const sample = async (elapsedMs: number, spanMs: number): Promise<Sample> => {
    const done = interval;
    interval = new Tally();
    const gauges = await scrape(child, setup);
    return {
      elapsedMs,
      ...gauges,
      requests: done.requests,
      events: done.events,
      clientP99: percentile(done.latencies, 0.99),
      errorsPerMinute: spanMs ? (done.errors * 60_000) / spanMs : 0,
    };
  };
  const samples = [await sample(0, 0)];
  printRow(samples[0]);
  const started = Date.now();
  const stopHttp = startHttpLoad(setup, rps, tallies);
  const stopSockets = startSocketLoad(setup, sockets, tallies);
  for (
    let at = Math.min(sampleMs, durationMs);
    !stopped.signal.aborted;
    at = Math.min(at + sampleMs, durationMs)
  ) {
    const wait = started + at - Date.now();
    // Ctrl-C ends the wait: the sample of the interval so far is the last.
    await sleep(Math.max(0, wait), undefined, { signal: stopped.signal }).catch(() => undefined);
    const elapsed = Date.now() - started;
    const previous = samples[samples.length - 1].elapsedMs;
    samples.push(await sample(elapsed, elapsed - previous));
    printRow(samples[samples.length - 1]);
    if (at >= durationMs) break;
  }
  await Promise.all([stopHttp(), stopSockets()]);
  printSummary(samples, warmUpMs, totals);
  if (dead) return;
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await exited;
  await rm(setup.dataDir, { recursive: true, force: true });
}

const role = process.argv.indexOf('--gateway');
if (role > 0) void gatewayMain(Number(process.argv[role + 1]));
else
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
