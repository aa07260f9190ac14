/**
 * WebSocket fan-out: S subscribers over 100 symbols, each symbol ticking once a second,
 * through the whole gateway (graphql-ws on /graphql, API-key auth, plan limits, the
 * quote stream, one execution per tick and selection, the per-socket writer) and, in the
 * same run and on the same client processes, through a bare `ws` server that broadcasts
 * the same bytes to the same sockets (the ceiling: no GraphQL, no auth, nothing between
 * the tick and socket.send).
 *
 * Ticks come from a generator plugged in as the gateway's trade feed (the place of
 * Finnhub's trade WebSocket), stamped with the time they are made; a client's latency is
 * its receive time minus that stamp. Clients and each server run in processes of their
 * own; a server's RSS growth from before the clients connect to after they subscribed,
 * per connection, is reported. Each subscriber watches
 * `--watch` symbols (default 1: 5,000 subscribers receive 5,000 messages a second).
 *
 *   npm run bench:ws -- [--subscribers 1000,5000] [--symbols 100] [--watch 1]
 *                       [--seconds 10] [--clients 2]
 *
 * With REDIS_URL set, the gateway's ticks travel through Redis pub/sub as across
 * replicas. Goal (issue 7): delivered messages/s ≥ 0.8 × the bare server's, and p99
 * latency < 100 ms at 5,000 subscribers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import type { Trade } from '../src/domain/market';
import type { TradeFeed } from '../src/services/quote-stream';
import { benchSymbol, startFmpUpstream } from './fmp-upstream';
import { enterpriseAccount, startBenchGateway } from './gateway';

const QUERY =
  'subscription($symbols: [String!]!) { quotes(symbols: $symbols) { symbol price timestamp } }';
const FMP_KEY = 'bench-key';

interface ClientJob {
  url: string;
  /** One API key per 100 sockets (several key-cache entries, as a client's replicas). */
  keys: string[];
  sockets: number;
  /** Index of this process's first socket among all, to spread symbols evenly. */
  offset: number;
  symbols: number;
  watch: number;
}

interface ClientReport {
  connected: number;
  received: number;
  latencies: number[];
}

// ---------------------------------------------------------------- client processes

async function clientMain(): Promise<void> {
  const job = await new Promise<ClientJob>((resolve) => process.once('message', resolve));
  const sockets: WebSocket[] = [];
  let measuring = false;
  let received = 0;
  const latencies: number[] = [];
  const open = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const global = job.offset + index;
      const symbols = Array.from({ length: job.watch }, (_, k) =>
        benchSymbol(((global + k * 7) % job.symbols) + 1),
      );
      const socket = new WebSocket(job.url, 'graphql-transport-ws');
      sockets.push(socket);
      socket.on('open', () =>
        socket.send(
          JSON.stringify({
            type: 'connection_init',
            payload: { apiKey: job.keys[Math.floor(global / 100)] },
          }),
        ),
      );
      socket.on('message', (data) => {
        const text = String(data);
        if (text.startsWith('{"type":"connection_ack"')) {
          socket.send(
            JSON.stringify({
              id: 's',
              type: 'subscribe',
              payload: { query: QUERY, variables: { symbols } },
            }),
          );
          resolve();
          return;
        }
        if (!measuring) return;
        const at = /"timestamp":"([^"]+)"/.exec(text);
        if (!at) return;
        received += 1;
        latencies.push(Date.now() - Date.parse(at[1]));
      });
      socket.on('close', (code) => reject(new Error(`socket closed with ${code}`)));
      socket.on('error', reject);
    });
  for (let i = 0; i < job.sockets; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, job.sockets - i) }, (_, k) => open(i + k)),
    );
  }
  process.send!({ type: 'ready' });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'start') measuring = true;
    if (message.type === 'stop') {
      measuring = false;
      const report: ClientReport = { connected: sockets.length, received, latencies };
      process.send!({ type: 'report', report }, () => {
        for (const socket of sockets) socket.terminate();
        process.exit(0);
      });
    }
  });
}

// ---------------------------------------------------------------- the tick generator

/** Ticks each subscribed symbol once a second, spread evenly over the second. */
class TickClock {
  private readonly prices = new Map<string, number>();
  private slot = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly symbols: number,
    private readonly emit: (symbol: string, price: number, at: Date) => void,
  ) {
    const slots = 100;
    this.timer = setInterval(() => {
      this.slot = (this.slot + 1) % slots;
      for (let rank = this.slot + 1; rank <= this.symbols; rank += slots) {
        const symbol = benchSymbol(rank);
        const price = (this.prices.get(symbol) ?? 20 + rank) * (1 + (Math.random() - 0.5) / 1000);
        this.prices.set(symbol, Math.round(price * 100) / 100);
        this.emit(symbol, this.prices.get(symbol)!, new Date());
      }
    }, 1_000 / slots);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The gateway's trade feed for the bench: the clock's ticks for the symbols subscribed. */
class GeneratedTrades implements TradeFeed {
  readonly name = 'bench';
  private readonly symbols = new Set<string>();
  private readonly listeners = new Set<(trade: Trade) => void>();
  clock: TickClock | null = null;

  connected(): boolean {
    return true;
  }
  subscribe(symbol: string): void {
    this.symbols.add(symbol);
  }
  unsubscribe(symbol: string): void {
    this.symbols.delete(symbol);
  }
  subscribed(): string[] {
    return [...this.symbols];
  }
  onTrade(listener: (trade: Trade) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  tick(symbol: string, price: number, at: Date): void {
    if (!this.symbols.has(symbol)) return;
    for (const listener of this.listeners) listener({ symbol, price, volume: 100, timestamp: at });
  }
  close(): void {
    this.clock?.stop();
  }
}

// ---------------------------------------------------------------- the two servers

interface Target {
  url: string;
  keys: string[];
  stop(): Promise<void>;
}

/** A bare ws server speaking just enough graphql-transport-ws, broadcasting the same bytes. */
async function startRaw(symbols: number): Promise<Target> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const subscribers = new Map<string, Array<{ socket: WebSocket; prefix: string }>>();
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        id?: string;
        payload?: { variables: { symbols: string[] } };
      };
      if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
      if (message.type === 'subscribe') {
        const prefix = `{"id":${JSON.stringify(message.id)},"type":"next","payload":`;
        for (const symbol of message.payload!.variables.symbols) {
          const list = subscribers.get(symbol) ?? [];
          list.push({ socket, prefix });
          subscribers.set(symbol, list);
        }
      }
    });
  });
  const clock = new TickClock(symbols, (symbol, price, at) => {
    const payload = JSON.stringify({
      data: { quotes: { symbol, price, timestamp: at.toISOString() } },
    });
    for (const { socket, prefix } of subscribers.get(symbol) ?? []) {
      socket.send(`${prefix}${payload}}`);
    }
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys: [],
    stop: async () => {
      clock.stop();
      for (const socket of server.clients) socket.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startGateway(symbols: number, subscribers: number): Promise<Target> {
  const upstream = await startFmpUpstream({ apiKey: FMP_KEY, latencyMs: 0 });
  const trades = new GeneratedTrades();
  trades.clock = new TickClock(symbols, (symbol, price, at) => trades.tick(symbol, price, at));
  const { app, dataDir } = await startBenchGateway(
    {
      MARKET_DATA_PROVIDERS: 'fmp',
      FMP_API_KEY: FMP_KEY,
      FMP_BASE_URL: upstream.url,
      FMP_RATE_LIMIT: 'unlimited',
      // Connections are counted per account: the plan's number lifted above the load,
      // the count itself still made on every socket.
      PLANS: JSON.stringify({ ENTERPRISE: { websocketConnections: subscribers + 100 } }),
    },
    { tradeFeed: trades },
  );
  const { keys } = await enterpriseAccount(app, Math.ceil(subscribers / 100));
  return {
    url: app.url.replace(/^http/, 'ws'),
    keys,
    stop: async () => {
      await app.stop();
      await new Promise((resolve) => upstream.server.close(resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- server processes

/** Runs one target in this process: reports its address, then its RSS when asked. */
async function serverMain(kind: string): Promise<void> {
  const options = await new Promise<{ symbols: number; subscribers: number }>((resolve) =>
    process.once('message', resolve),
  );
  const target =
    kind === 'raw'
      ? await startRaw(options.symbols)
      : await startGateway(options.symbols, options.subscribers);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'rss') {
      global.gc?.();
      process.send!({ type: 'rss', rss: process.memoryUsage().rss });
    }
    if (message.type === 'stop') {
      void target.stop().then(() => process.exit(0));
    }
  });
  process.send!({ type: 'started', url: target.url, keys: target.keys });
}

/** A target running in its own process, so that its RSS is its own. */
interface RemoteTarget {
  url: string;
  keys: string[];
  rss(): Promise<number>;
  stop(): Promise<void>;
}

async function startTarget(
  kind: 'raw' | 'gateway',
  options: { symbols: number; subscribers: number },
): Promise<RemoteTarget> {
  const child = fork(__filename, ['--server', kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      '--expose-gc',
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_CPU_PROF]
        : []),
    ],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const listener = (message: { type: string } & T) => {
        if (message.type !== type) return;
        child.off('message', listener);
        resolve(message);
      };
      child.on('message', listener);
    });
  const started = next<{ url: string; keys: string[] }>('started');
  child.send(options);
  const { url, keys } = await started;
  return {
    url,
    keys,
    rss: async () => {
      const answer = next<{ rss: number }>('rss');
      child.send({ type: 'rss' });
      return (await answer).rss;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------- one measured run

interface RunResult {
  connected: number;
  perSecond: number;
  p50: number;
  p99: number;
  rssPerConnectionKb: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function measure(
  target: RemoteTarget,
  options: {
    subscribers: number;
    symbols: number;
    watch: number;
    seconds: number;
    clients: number;
  },
): Promise<RunResult> {
  // Start-up garbage (migrations, schema) is collected first, so that the growth is the
  // connections'.
  await target.rss();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rssBefore = await target.rss();
  const children: ChildProcess[] = [];
  const share = Math.ceil(options.subscribers / options.clients);
  const ready: Array<Promise<void>> = [];
  for (let c = 0; c < options.clients; c += 1) {
    const sockets = Math.min(share, options.subscribers - c * share);
    if (sockets <= 0) break;
    const child = fork(__filename, ['--client'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
        child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
      }),
    );
    const job: ClientJob = {
      url: target.url,
      keys: target.keys,
      sockets,
      offset: c * share,
      symbols: options.symbols,
      watch: options.watch,
    };
    child.send(job);
  }
  await Promise.all(ready);
  // Snapshots and the first ticks out of the way.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rssAfter = await target.rss();
  for (const child of children) child.send({ type: 'start' });
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1_000));
  const reports = await Promise.all(
    children.map(
      (child) =>
        new Promise<ClientReport>((resolve) => {
          child.on('message', (m: { type: string; report: ClientReport }) => {
            if (m.type === 'report') resolve(m.report);
          });
          child.send({ type: 'stop' });
        }),
    ),
  );
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const connected = reports.reduce((sum, r) => sum + r.connected, 0);
  return {
    connected,
    perSecond: reports.reduce((sum, r) => sum + r.received, 0) / options.seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    rssPerConnectionKb: (rssAfter - rssBefore) / 1024 / connected,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000,5000' },
      symbols: { type: 'string', default: '100' },
      watch: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '10' },
      clients: { type: 'string', default: '2' },
    },
  });
  const symbols = Number(values.symbols);
  const watch = Number(values.watch);
  const seconds = Number(values.seconds);
  const clients = Number(values.clients);
  const row = (label: string, r: RunResult) =>
    `  ${label.padEnd(9)} ${String(r.connected).padStart(6)} sockets  ${r.perSecond.toFixed(0).padStart(7)} msg/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  RSS ${r.rssPerConnectionKb.toFixed(1).padStart(6)} KB/conn`;
  console.log(
    `WebSocket fan-out: ${symbols} symbols at 1 tick/s each, ${watch} symbol(s) per subscriber, ${seconds} s measured, ${clients} client processes, ticks ${process.env.REDIS_URL ? 'through Redis' : 'in-process'}`,
  );
  for (const subscribers of values.subscribers!.split(',').map(Number)) {
    const options = { subscribers, symbols, watch, seconds, clients };
    const raw = await startTarget('raw', options);
    const baseline = await measure(raw, options);
    await raw.stop();
    const gateway = await startTarget('gateway', options);
    const result = await measure(gateway, options);
    await gateway.stop();
    console.log(
      `\n${subscribers} subscribers (expected ${(subscribers * watch).toLocaleString('en')} msg/s)`,
    );
    console.log(row('bare ws', baseline));
    console.log(row('gateway', result));
    console.log(
      `  ratio (gateway / bare ws msg/s): ${(result.perSecond / baseline.perSecond).toFixed(3)}   goal >= 0.8, p99 < 100 ms`,
    );
  }
}

const role = process.argv.indexOf('--server');
if (process.argv.includes('--client')) void clientMain();
else if (role > 0) void serverMain(process.argv[role + 1]);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
