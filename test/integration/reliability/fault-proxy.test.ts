import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { quietFor } from '../../helpers/wait';

// The proxy the reliability tests put between the gateway and real Redis / PostgreSQL,
// checked here against an echo server so that it holds on both stores.
let echo: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
});
beforeEach(async () => {
  proxy = await startFaultProxy({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});
afterEach(async () => {
  await proxy.close();
});

function connect(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(proxy.port, proxy.host, () => resolve(socket));
  });
}

function nextData(socket: Socket): Promise<string> {
  return new Promise((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  );
}

function closed(socket: Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    let code: string | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code));
    socket.on('close', () => resolve(code));
  });
}

it('passes bytes both ways, delayed by its latency', async () => {
  const socket = await connect();
  socket.write('ping');
  expect(await nextData(socket)).toBe('ping');
  proxy.latency(150);
  const started = performance.now();
  socket.write('slow');
  expect(await nextData(socket)).toBe('slow');
  // 150 ms each way through the proxy.
  expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  socket.destroy();
});

it('stalls: the connection stays open and silent, and what was held flows on heal', async () => {
  const socket = await connect();
  proxy.stall();
  socket.write('held');
  let answered = false;
  const answer = nextData(socket).then((data) => ((answered = true), data));
  // Nothing comes back while stalled, however long; the socket stays open. Healthy, the
  // echo takes a millisecond or two: a window many times that shows it is held.
  await quietFor(100);
  expect(answered).toBe(false);
  expect(socket.destroyed).toBe(false);
  expect(proxy.connections).toBe(1);
  await proxy.heal();
  expect(await answer).toBe('held');
  socket.destroy();
});

it('resets open and new connections, and refuses when told', async () => {
  const open = await connect();
  const ended = closed(open);
  proxy.reset();
  expect(await ended).toBe('ECONNRESET');

  // A new connection is reset as it is accepted (before or just after the handshake).
  const fresh = new Socket();
  const freshEnded = closed(fresh);
  fresh.connect(proxy.port, proxy.host);
  expect(await freshEnded).toBe('ECONNRESET');

  await proxy.refuse();
  await expect(connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });

  await proxy.heal();
  const again = await connect();
  again.write('back');
  expect(await nextData(again)).toBe('back');
  again.destroy();
});
