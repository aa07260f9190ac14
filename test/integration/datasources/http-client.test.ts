import { CircuitBreaker } from '../../../src/datasources/providers/circuit-breaker';
import { HttpClient, retryAfterMs } from '../../../src/datasources/providers/http-client';
import { ProviderError } from '../../../src/datasources/providers/provider-error';
import {
  hang,
  json,
  startScriptedServer,
  type ScriptedServer,
} from '../../fixtures/scripted-server';

describe('HttpClient against a local HTTP server', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
    new HttpClient({ provider: 'fixture', backoffBaseMs: 10, random: () => 1, ...options });

  async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }

  it('retries 5xx and succeeds', async () => {
    server = await startScriptedServer([json(502, {}), json(503, {}), json(200, { ok: true })]);
    expect(
      await client({ retries: 2 }).getJson(new URL(`${server.url}/quote?apikey=SECRET`)),
    ).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry other 4xx, and never shows the query string', async () => {
    server = await startScriptedServer([json(401, { error: 'bad key' })]);
    const error = await failureOf(
      client({ retries: 3 }).getJson(new URL(`${server.url}/quote?apikey=SECRET`)),
    );
    expect(error).toMatchObject({ failure: 'http', status: 401 });
    expect(error.message).not.toContain('SECRET');
    expect(server.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    server = await startScriptedServer([json(429, {}, { 'retry-after': '1' }), json(200, [1])]);
    expect(
      await client({ retries: 1, budgetMs: 5_000 }).getJson(new URL(`${server.url}/q`)),
    ).toEqual([1]);
    const [first, second] = server.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once when Retry-After is past the time budget', async () => {
    server = await startScriptedServer([json(429, {}, { 'retry-after': '60' })]);
    const started = Date.now();
    const error = await failureOf(
      client({ retries: 3, budgetMs: 2_000 }).getJson(new URL(`${server.url}/q`)),
    );
    expect(error.failure).toBe('throttled');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hung upstream without retrying it', async () => {
    server = await startScriptedServer([hang]);
    const started = Date.now();
    const error = await failureOf(
      client({ timeoutMs: 200, retries: 5, budgetMs: 500 }).getJson(new URL(`${server.url}/q`)),
    );
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(400);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a body that is not JSON as invalid', async () => {
    server = await startScriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
      },
    ]);
    expect((await failureOf(client().getJson(new URL(`${server.url}/q`)))).failure).toBe('invalid');
  });

  it('opens the circuit after repeated failures, then lets one probe through', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1_000, now: () => now });
    server = await startScriptedServer([json(500, {}), json(500, {}), json(200, { ok: 1 })]);
    const http = client({ retries: 0, breaker });
    const url = new URL(`${server.url}/q`);
    await failureOf(http.getJson(url));
    await failureOf(http.getJson(url));
    expect(breaker.state).toBe('open');
    expect((await failureOf(http.getJson(url))).failure).toBe('circuit-open');
    expect(server.requests).toHaveLength(2);
    now = 1_000;
    expect(breaker.state).toBe('half-open');
    expect(await http.getJson(url)).toEqual({ ok: 1 });
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker', () => {
  it('admits one half-open probe, and reopens when it fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 100, now: () => now });
    breaker.onFailure();
    expect(breaker.tryAcquire()).toBe(false);
    now = 100;
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.onFailure();
    expect(breaker.state).toBe('open');
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('Fri, 20 Nov 2026 18:00:10 GMT', Date.parse('2026-11-20T18:00:00Z'))).toBe(
      10_000,
    );
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
