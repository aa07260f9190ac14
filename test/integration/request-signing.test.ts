import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { signAsClient, unixNow } from '../helpers/signing';

interface Issued {
  secret: string;
  signingSecret: string | null;
  apiKey: { id: string; prefix: string };
}

/** Opens a graphql-ws socket at `target` and sends `payload` in connection_init. */
function init(
  baseUrl: string,
  target: string,
  payload: Record<string, unknown>,
): Promise<{ acked: boolean; code?: number; reason?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `${baseUrl.replace(/^http/, 'ws')}${target}`,
      'graphql-transport-ws',
    );
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        resolve({ acked: true });
        socket.close();
      }
    });
    socket.on('close', (code, reason) => resolve({ acked: false, code, reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('request signing: a signing secret of its own, over method, path, query, prefix, time and body', () => {
  let server: TestServer;
  let token: string;
  let signed: Issued;

  const create = async (args: string) => {
    const response = await gql<{ createApiKey: Issued }>(
      server.url,
      `mutation { createApiKey(name: "signs" ${args}) { secret signingSecret apiKey { id prefix } } }`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey;
  };
  const body = JSON.stringify({ query: '{ quote(symbol: "MSFT") { symbol } }' });
  const post = (key: Issued, headers: Record<string, string>, target = '/graphql', sent = body) =>
    fetch(`${server.baseUrl}${target}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.secret, ...headers },
      body: sent,
    });
  const signedHeaders = (
    key: Issued,
    over: { method?: string; target?: string; body?: string; timestamp?: number } = {},
  ) => {
    const timestamp = over.timestamp ?? unixNow();
    return {
      'x-yf-timestamp': String(timestamp),
      'x-yf-signature': signAsClient(key.signingSecret!, {
        method: over.method ?? 'POST',
        target: over.target ?? '/graphql',
        keyPrefix: key.apiKey.prefix,
        timestamp,
        body: over.body ?? body,
      }),
    };
  };

  beforeAll(async () => {
    server = await startTestServer();
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation { register(email: "signer@example.com", password: "correct horse battery") { accessToken } }',
    );
    token = registered.body.data!.register.accessToken;
    signed = await create('requireSignature: true');
  });
  afterAll(() => server.close());

  it('issues a signing secret, once, only to keys that sign; the key list never shows it', async () => {
    expect(signed.signingSecret).toMatch(/^yf_sign_[0-9A-Za-z]{40}$/);
    expect(signed.signingSecret).not.toBe(signed.secret);
    expect((await create('')).signingSecret).toBeNull();
    const listed = await gql(server.url, '{ apiKeys { id requireSignature } }', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.stringify(listed.body)).not.toContain(signed.signingSecret);
  });

  it('answers a POST signed with the signing secret, once; unsigned, stale or replayed it is 401', async () => {
    const headers = signedHeaders(signed);
    const answer = await post(signed, headers);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { data: unknown }).data).toEqual({
      quote: { symbol: 'MSFT' },
    });
    expect((await post(signed, headers)).status).toBe(401); // replay
    expect((await post(signed, {})).status).toBe(401);
    expect((await post(signed, signedHeaders(signed, { timestamp: unixNow() - 301 }))).status).toBe(
      401,
    );
  });

  it('refuses a signature made with the API key itself, which every request carries', async () => {
    const withKey = { ...signed, signingSecret: signed.secret };
    const answer = await post(signed, signedHeaders(withKey));
    expect(answer.status).toBe(401);
    expect(
      ((await answer.json()) as { errors: Array<{ message: string }> }).errors[0].message,
    ).toBe('Bad request signature');
  });

  it.each([
    ['the method', { method: 'GET' }],
    ['the path', { target: '/import/transactions' }],
    ['the query string', { target: '/graphql?operationName=Other' }],
    ['the body', { body: JSON.stringify({ query: '{ quote(symbol: "KO") { symbol } }' }) }],
  ])('refuses a signature over a request differing in %s', async (_, over) => {
    expect((await post(signed, signedHeaders(signed, over))).status).toBe(401);
  });

  it('refuses a signature whose key prefix is another key’s', async () => {
    const other = await create('requireSignature: true');
    const headers = signedHeaders({ ...signed, apiKey: other.apiKey });
    expect((await post(signed, headers)).status).toBe(401);
  });

  it('signs GET: the query string is covered', async () => {
    const target = `/graphql?query=${encodeURIComponent('{ quote(symbol: "AAPL") { symbol } }')}`;
    const get = (headers: Record<string, string>, sent = target) =>
      fetch(`${server.baseUrl}${sent}`, {
        headers: { 'x-api-key': signed.secret, 'apollo-require-preflight': 'true', ...headers },
      });
    expect((await get({})).status).toBe(401);
    const good = signedHeaders(signed, { method: 'GET', target, body: '' });
    expect((await get(good)).status).toBe(200);
    const tampered = target.replace('AAPL', 'MSFT');
    const reused = signedHeaders(signed, { method: 'GET', target, body: '' });
    const answer = await get(reused, tampered);
    expect(answer.status).toBe(401);
  });

  it('signs connection_init over its upgrade request (GET, path, query, no body)', async () => {
    const target = '/graphql?client=signing-test';
    const timestamp = unixNow();
    const signature = signAsClient(signed.signingSecret!, {
      method: 'GET',
      target,
      keyPrefix: signed.apiKey.prefix,
      timestamp,
    });
    const unsigned = await init(server.baseUrl, target, { apiKey: signed.secret });
    expect(unsigned).toMatchObject({ acked: false, code: 4403 });
    expect(unsigned.reason).toMatch(/^UNAUTHENTICATED: This key requires signed requests/);
    const elsewhere = await init(server.baseUrl, '/graphql?client=other', {
      apiKey: signed.secret,
      timestamp: String(timestamp),
      signature,
    });
    expect(elsewhere).toMatchObject({ acked: false, code: 4403 });
    expect(
      await init(server.baseUrl, target, {
        apiKey: signed.secret,
        timestamp: String(timestamp),
        signature,
      }),
    ).toEqual({ acked: true });
  });

  it('issues a new signing secret on rotation; the old one does not sign for the new key', async () => {
    const rotated = await gql<{ rotateApiKey: Issued }>(
      server.url,
      `mutation { rotateApiKey(id: "${signed.apiKey.id}", gracePeriodSeconds: 0) { secret signingSecret apiKey { id prefix } } }`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(rotated.body.errors).toBeUndefined();
    const next = rotated.body.data!.rotateApiKey;
    expect(next.signingSecret).toMatch(/^yf_sign_/);
    expect(next.signingSecret).not.toBe(signed.signingSecret);
    const stale = { ...next, signingSecret: signed.signingSecret };
    expect((await post(next, signedHeaders(stale))).status).toBe(401);
    const answer = await post(next, signedHeaders(next));
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('answers the shell recipe of docs/signing.md (openssl and curl)', async () => {
    const doc = readFileSync(path.join(__dirname, '../../docs/signing.md'), 'utf8');
    const recipe = /```sh\n([\s\S]*?)```/
      .exec(doc)![1]
      .replace('http://localhost:4000/graphql', server.url);
    const key = await create('requireSignature: true');
    const { stdout } = await promisify(execFile)('sh', ['-c', recipe], {
      env: {
        PATH: process.env.PATH ?? '',
        API_KEY: key.secret,
        PREFIX: key.apiKey.prefix,
        SIGNING_SECRET: key.signingSecret!,
      },
    });
    const answer = JSON.parse(stdout) as { data?: { quote: { price: unknown } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.quote.price).toBeDefined();
  });
});
