import WebSocket from 'ws';
import type { Logger } from '../../../observability/logger';
import type { TradeFeed } from '../../../services/quote-stream';
import { mapFinnhubTradeMessage, type Trade } from './finnhub.mappers';

/** Options for {@link FinnhubTradeStream}. */
export interface FinnhubStreamOptions {
  /** wss://ws.finnhub.io by default; a test points it at a local server. */
  url: string;
  apiKey: string;
  logger: Logger;
  /** Base and cap of the full-jitter reconnect backoff. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
}

/**
 * Finnhub's trade WebSocket: `{"type":"subscribe","symbol":…}` per symbol, trades as
 * `{"type":"trade","data":[{s,p,v,t}]}`. When the connection drops it reconnects with
 * full-jitter backoff and subscribes every active symbol again. Trades that fail
 * validation are dropped and counted by the mapper. With no symbol left it closes the
 * connection, and opens one again for the next symbol.
 */
export class FinnhubTradeStream implements TradeFeed {
  readonly name = 'finnhub';
  private socket: WebSocket | null = null;
  private readonly symbols = new Set<string>();
  private readonly listeners = new Set<(trade: Trade) => void>();
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Connections opened so far (the first, then reconnects). */
  connections = 0;

  constructor(private readonly options: FinnhubStreamOptions) {}

  onTrade(listener: (trade: Trade) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  subscribed(): string[] {
    return [...this.symbols];
  }

  subscribe(symbol: string): void {
    if (this.symbols.has(symbol)) return;
    this.symbols.add(symbol);
    if (!this.socket && !this.timer) this.connect();
    else this.send({ type: 'subscribe', symbol });
  }

  unsubscribe(symbol: string): void {
    if (!this.symbols.delete(symbol)) return;
    this.send({ type: 'unsubscribe', symbol });
    if (this.symbols.size > 0) return;
    // Nobody watches anything: no idle upstream connection.
    const socket = this.socket;
    this.socket = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    socket?.close(1000);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.terminate();
    this.socket = null;
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    this.timer = undefined;
    if (this.closed) return;
    const url = new URL(this.options.url);
    url.searchParams.set('token', this.options.apiKey);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.on('open', () => {
      this.connections += 1;
      this.attempt = 0;
      for (const symbol of this.symbols) this.send({ type: 'subscribe', symbol });
    });
    socket.on('message', (data) => {
      try {
        for (const trade of mapFinnhubTradeMessage(JSON.parse(String(data))).value) {
          for (const listener of this.listeners) listener(trade);
        }
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, 'finnhub stream: bad message');
      }
    });
    socket.on('error', (error) => {
      this.options.logger.warn({ err: error.message }, 'finnhub stream: socket error');
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed || this.symbols.size === 0) return;
      const base = this.options.backoffBaseMs ?? 500;
      const cap = this.options.backoffCapMs ?? 30_000;
      const wait = (this.options.random ?? Math.random)() * Math.min(cap, base * 2 ** this.attempt);
      this.attempt += 1;
      this.timer = setTimeout(() => this.connect(), wait);
      this.timer.unref();
    });
  }
}
