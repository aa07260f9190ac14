import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** What the proxy does with traffic; see {@link FaultProxy}. */
export type FaultMode = 'pass' | 'stall' | 'reset' | 'refuse';

/**
 * A TCP proxy between the gateway and a real server (Redis, PostgreSQL, a provider)
 * that injects the faults a network makes:
 *
 * - `pass`: bytes flow both ways, each direction delayed by `latencyMs` (0 by default);
 * - `stall`: connections stay open and accept bytes, but nothing is forwarded either way
 *   (a network partition where TCP never notices); what was held flows on `heal()`;
 * - `reset`: every open connection is destroyed with a TCP RST and new ones are reset at
 *   once (a server crash, a proxy restart);
 * - `refuse`: the listener closes, so connecting fails with ECONNREFUSED (a server down).
 *
 * Nothing is mocked: the client speaks its real protocol to the real server through it.
 */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  readonly mode: FaultMode;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /** `redis://`/`postgresql://` URL `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  /** Delays every chunk in both directions by `ms` (in `pass` mode). */
  latency(ms: number): void;
  stall(): void;
  reset(): void;
  refuse(): Promise<void>;
  /** Back to `pass` with no latency: held bytes flow, the listener listens again. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** Chunks held while stalled, per direction, in order. */
  held: Array<{ to: Socket; chunk: Buffer }>;
}

/** Starts a proxy on 127.0.0.1 (an ephemeral port) in front of `target`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let latencyMs = 0;
  let accepted = 0;
  const pairs = new Set<Pair>();
  let port = 0;

  const forward = (pair: Pair, to: Socket, chunk: Buffer) => {
    if (mode === 'stall') {
      pair.held.push({ to, chunk });
      return;
    }
    if (latencyMs > 0) {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, latencyMs);
    } else if (!to.destroyed) {
      to.write(chunk);
    }
  };

  const onConnection = (client: Socket) => {
    accepted += 1;
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const server = new Socket();
    const pair: Pair = { client, server, held: [] };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('data', (chunk: Buffer) => forward(pair, server, chunk));
    server.on('data', (chunk: Buffer) => forward(pair, client, chunk));
    client.on('error', end);
    server.on('error', end);
    client.on('close', end);
    server.on('close', end);
    server.connect(target.port, target.host);
  };

  let listener: Server = createServer(onConnection);
  const listen = (server: Server, at: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  port = await listen(listener, 0);
  let listening = true;

  const closeListener = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      listener.close(() => resolve());
    });

  const resetAll = () => {
    for (const pair of pairs) {
      pair.client.resetAndDestroy();
      pair.server.destroy();
    }
    pairs.clear();
  };

  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    url(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    latency(ms: number) {
      latencyMs = ms;
    },
    stall() {
      mode = 'stall';
    },
    reset() {
      mode = 'reset';
      resetAll();
    },
    async refuse() {
      mode = 'refuse';
      resetAll();
      await closeListener();
    },
    async heal() {
      mode = 'pass';
      latencyMs = 0;
      for (const pair of pairs) {
        for (const { to, chunk } of pair.held.splice(0)) if (!to.destroyed) to.write(chunk);
      }
      if (!listening) {
        // The same port again, so clients reconnect to the address they were given.
        listener = createServer(onConnection);
        await listen(listener, port);
        listening = true;
      }
    },
    async close() {
      resetAll();
      await closeListener();
    },
  };
}
