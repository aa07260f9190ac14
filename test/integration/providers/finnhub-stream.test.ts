import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { FinnhubTradeStream } from '../../../src/datasources/providers/finnhub/finnhub.stream';
import type { Trade } from '../../../src/datasources/providers/finnhub/finnhub.mappers';
import { fixture } from '../../fixtures/providers/fake-upstream';
import { waitFor } from '../../helpers/wait';

describe("Finnhub's trade WebSocket", () => {
  it('subscribes, maps trades, and after a drop reconnects with backoff and resubscribes every symbol', async () => {
    // A local stand-in for wss://ws.finnhub.io speaking its documented messages.
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const received: Array<{ token: string | null; messages: unknown[] }> = [];
    const sockets: WebSocket[] = [];
    server.on('connection', (socket, request) => {
      const connection = {
        token: new URL(request.url!, 'http://x').searchParams.get('token'),
        messages: [] as unknown[],
      };
      received.push(connection);
      sockets.push(socket);
      socket.on('message', (data) => connection.messages.push(JSON.parse(String(data))));
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const stream = new FinnhubTradeStream({
      url: `ws://127.0.0.1:${port}`,
      apiKey: 'finnhub-key',
      logger: pino({ level: 'silent' }),
      backoffBaseMs: 20,
      random: () => 1,
    });
    const trades: Trade[] = [];
    stream.onTrade((trade) => trades.push(trade));
    try {
      stream.subscribe('AAPL');
      stream.subscribe('MSFT');
      await waitFor(() => received[0]?.messages.length === 2);
      expect(received[0].token).toBe('finnhub-key');
      expect(received[0].messages).toEqual([
        { type: 'subscribe', symbol: 'AAPL' },
        { type: 'subscribe', symbol: 'MSFT' },
      ]);
      sockets[0].send(JSON.stringify(fixture('finnhub', 'trade-message')));
      sockets[0].send(JSON.stringify(fixture('finnhub', 'ping-message')));
      await waitFor(() => trades.length === 2);
      expect(trades.map((t) => [t.symbol, t.price])).toEqual([
        ['AAPL', 232.81],
        ['MSFT', 412.4],
      ]);
      stream.unsubscribe('MSFT');
      await waitFor(() => received[0].messages.length === 3);
      // The provider drops the connection: the stream comes back with what is active.
      sockets[0].terminate();
      await waitFor(() => received[1]?.messages.length === 1);
      expect(received[1].messages).toEqual([{ type: 'subscribe', symbol: 'AAPL' }]);
      expect(stream.connections).toBe(2);
    } finally {
      stream.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
