import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** How a graphql-ws `connection_init` with `payload` ended: the close code and reason. */
function initOutcome(url: string, payload: Record<string, unknown>) {
  return new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      resolve({ code: 0, reason: `message ${JSON.parse(String(data)).type}` });
      socket.close();
    });
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('malformed credentials are 401 UNAUTHENTICATED, never 500', () => {
  let server: TestServer;
  let secret: string;
  /** A token signed with the server's own secret: only its claims are wrong. */
  const signed = (header: unknown, claims: unknown) => {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const now = () => Math.floor(Date.now() / 1_000);
  const claims = (sub: unknown) => ({
    sub,
    iss: 'yieldflow',
    aud: 'yieldflow-api',
    iat: now(),
    exp: now() + 600,
    jti: 'x',
  });

  beforeAll(async () => {
    secret = 'a'.repeat(48);
    server = await startTestServer({ JWT_SECRET: secret });
  });
  afterAll(() => server.close());

  const headers: Array<[string, () => string]> = [
    ['Bearer alone', () => 'Bearer'],
    ['Bearer and spaces', () => 'Bearer    '],
    ['another scheme', () => 'Basic dXNlcjpwYXNz'],
    ['two tokens', () => 'Bearer a.b.c d.e.f'],
    ['garbage base64', () => 'Bearer %%%.@@@.!!!'],
    ['a header that decodes to null', () => `Bearer ${b64(null)}.${b64(claims('x'))}.c2ln`],
    ['claims that decode to null', () => `Bearer ${b64({ alg: 'HS256' })}.${b64(null)}.c2ln`],
    ['a header that is an array', () => `Bearer ${b64([1])}.${b64({})}.c2ln`],
    ['a header that is a number', () => `Bearer ${b64(7)}.${b64(7)}.c2ln`],
    ['not JSON', () => `Bearer ${Buffer.from('{not json').toString('base64url')}.e30.c2ln`],
    ['one part', () => 'Bearer abc'],
    ['four parts', () => 'Bearer a.b.c.d'],
    ['alg none', () => `Bearer ${b64({ alg: 'none' })}.${b64(claims('x'))}.`],
    ['signed, null claims', () => `Bearer ${signed({ alg: 'HS256' }, null)}`],
    ['signed, a non-UUID sub', () => `Bearer ${signed({ alg: 'HS256' }, claims('not-a-uuid'))}`],
    ['signed, a numeric sub', () => `Bearer ${signed({ alg: 'HS256' }, claims(42))}`],
    [
      'signed, an unknown user',
      () => `Bearer ${signed({ alg: 'HS256' }, claims('00000000-0000-4000-8000-000000000000'))}`,
    ],
    [
      'signed, exp a string',
      () => `Bearer ${signed({ alg: 'HS256' }, { ...claims('x'), exp: 'soon' })}`,
    ],
    ['a very long token', () => `Bearer ${'a'.repeat(6_000)}`],
  ];

  it.each(headers)('HTTP: %s', async (_name, header) => {
    const response = await gql(server.url, '{ me { id } }', {
      headers: { authorization: header() },
    });
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(response.body)).not.toMatch(/TypeError|Prisma|uuid|stack/i);
  });

  it.each(headers)('graphql-ws connection_init: %s', async (_name, header) => {
    const outcome = await initOutcome(server.url, { authorization: header() });
    expect(outcome.code).toBe(4403);
    expect(outcome.reason).toMatch(/^UNAUTHENTICATED: /);
    expect(outcome.reason).not.toMatch(/TypeError|Prisma|uuid|Cannot read/i);
  });

  it('answers a malformed x-api-key the same way', async () => {
    for (const apiKey of ['yf_live_', 'not a key', 'yf_live_' + '!'.repeat(40)]) {
      const response = await gql(server.url, '{ me { id } }', { apiKey });
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect((await initOutcome(server.url, { apiKey })).code).toBe(4403);
    }
  });
});
