import { startTestServer, type TestServer } from '../helpers/server';

const TOKEN = 'metrics-token-of-enough-length';

// The page's embedded configuration (the JSON of <script id="ide-config">).
async function idePage(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ headers: string }> {
  const response = await fetch(url, { headers: { accept: 'text/html', ...headers } });
  expect(response.status).toBe(200);
  const html = await response.text();
  const json = /<script id="ide-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1];
  return JSON.parse(json) as { headers: string };
}

describe('the IDE in development', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The test's own address (127.0.0.1) is the proxy: X-Forwarded-For then names the client.
    server = await startTestServer({ NODE_ENV: 'development', TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it('embeds the demo key for a loopback client only', async () => {
    const key = server.app.demo!.apiKey;
    const local = await idePage(server.url);
    expect(JSON.parse(local.headers)).toEqual({ 'x-api-key': key });
    const viaProxyFromLoopback = await idePage(server.url, { 'x-forwarded-for': '::1' });
    expect(JSON.parse(viaProxyFromLoopback.headers)).toEqual({ 'x-api-key': key });

    for (const remote of [
      '203.0.113.7',
      '10.1.2.3',
      '::ffff:198.51.100.4',
      '127.0.0.1, 192.0.2.1',
    ]) {
      const page = await idePage(server.url, { 'x-forwarded-for': remote });
      expect(JSON.parse(page.headers)).toEqual({});
      expect(JSON.stringify(page)).not.toContain(key);
    }
  });
});

describe('/metrics behind METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.close());

  it('answers 401 with a stable code without the token, and the metrics with it', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, TOKEN]) {
      const response = await fetch(`${server.baseUrl}/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({
        error: 'a valid METRICS_TOKEN is required',
        code: 'METRICS_UNAUTHORIZED',
      });
    }
    const ok = await fetch(`${server.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('yieldflow_http_requests_total');
  });
});

describe('/metrics on METRICS_PORT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.close());

  it('is served on its own port and not on the main one', async () => {
    const port = server.app.metricsPort!;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(server.app.port);
    const onMain = await fetch(`${server.baseUrl}/metrics`);
    expect(onMain.status).toBe(404);
    // The main port's 404 lists what it serves: not /metrics.
    expect(((await onMain.json()) as { routes: string[] }).routes).not.toContain('/metrics');
    const metrics = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(metrics)).status).toBe(401);
    const ok = await fetch(metrics, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('yieldflow_http_requests_total');
    // Nothing else lives there.
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
  });
});
