import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashSeed } from '../src/datasources/providers/simulator/random';

/** Benches' symbols: S0001, S0002, … (any such symbol is known upstream). */
export const benchSymbol = (rank: number) => `S${String(rank).padStart(4, '0')}`;

/** An FMP "stable" stand-in answering /batch-quote, /quote and /profile for any S#### symbol. */
export async function startFmpUpstream(options: { apiKey: string; latencyMs: number }): Promise<{
  url: string;
  calls: Record<string, number>;
  loads: Record<string, number>;
  server: Server;
}> {
  const calls: Record<string, number> = {};
  const loads: Record<string, number> = {};
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname.replace('/stable', '');
    const symbols = (url.searchParams.get('symbols') ?? url.searchParams.get('symbol') ?? '')
      .split(',')
      .filter(Boolean);
    calls[route] = (calls[route] ?? 0) + 1;
    const kind = route === '/profile' ? 'profile' : 'quote';
    loads[kind] = (loads[kind] ?? 0) + symbols.length;
    const body =
      url.searchParams.get('apikey') !== options.apiKey
        ? { 'Error Message': 'Invalid API KEY.' }
        : symbols.map((symbol) => {
            const price = 20 + (hashSeed(symbol) % 500);
            return kind === 'profile'
              ? {
                  symbol,
                  companyName: `Company ${symbol}`,
                  exchange: 'NASDAQ',
                  currency: 'USD',
                  sector: 'Technology',
                  industry: 'Software',
                  country: 'US',
                  description: null,
                  website: null,
                  fullTimeEmployees: '1000',
                }
              : {
                  symbol,
                  name: `Company ${symbol}`,
                  price,
                  changePercentage: 0.5,
                  change: price * 0.005,
                  volume: 1_000_000,
                  dayLow: price * 0.99,
                  dayHigh: price * 1.01,
                  marketCap: price * 1e9,
                  exchange: 'NASDAQ',
                  open: price,
                  previousClose: price * 0.995,
                  timestamp: Math.floor(Date.now() / 1_000),
                };
          });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }, options.latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stable`,
    calls,
    loads,
    server,
  };
}
