import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/paths';
import { CORE_SYMBOLS } from '../../src/datasources/providers/simulator/universe';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { eventually, waitFor } from '../helpers/wait';
import { describeAnyMode } from '../helpers/any-mode';

// The alert rules and the dashboard of deploy/ against the gateway as built: promtool
// checks and unit-tests the rules, every metric they name must be one a running gateway
// exposes, and a real Prometheus scraping a real gateway fires the upstream alert when
// the provider fails. Debian's `prometheus` package gives promtool and prometheus; a
// missing binary fails the test (CI installs the package).

const run = promisify(execFile);
const DEPLOY = path.join(PROJECT_ROOT, 'deploy');
const ALERTS = path.join(DEPLOY, 'prometheus', 'alerts.yml');
const ALERT_TESTS = path.join(DEPLOY, 'prometheus', 'alerts.test.yml');
const DASHBOARD = path.join(DEPLOY, 'grafana', 'dashboards', 'yieldflow.json');

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
}

/** The PromQL of every panel of the dashboard. */
async function dashboardExpressions(): Promise<string[]> {
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
}

/**
 * The metric names PromQL text refers to: identifiers with the gateway's prefix, outside
 * quoted strings (label values such as job="yieldflow") and comments.
 */
function metricNames(promql: string): Set<string> {
  const code = promql.replace(/^\s*#.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return new Set(code.match(/\byieldflow_[a-zA-Z0-9_]+/g) ?? []);
}

/** The expressions of alerts.yml: a rule's `expr:` on its line, or the `|` block under it. */
function alertExpressions(rules: string): string[] {
  const lines = rules.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (match[2] !== '|') return void exprs.push(match[2]);
    const indent = match[1].length;
    let end = i + 1;
    while (end < lines.length && (!lines[end].trim() || lines[end].search(/\S/) > indent)) end += 1;
    exprs.push(lines.slice(i + 1, end).join('\n'));
  });
  return exprs;
}

/** Sample names a /metrics text can carry: each family, with a histogram's series. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

describeAnyMode('deploy/prometheus and deploy/grafana', () => {
  it('passes promtool check rules and promtool test rules', async () => {
    const check = await run('promtool', ['check', 'rules', ALERTS]);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const tests = await run('promtool', ['test', 'rules', ALERT_TESTS]);
    expect(tests.stdout).toContain('SUCCESS');
  });

  it('gives every alert a for, a severity, a summary, a description and a runbook', async () => {
    const rules = await readFile(ALERTS, 'utf8');
    const alerts = rules.split(/^\s*- alert: /m).slice(1);
    // The runbook's anchors: one heading per alert in docs/deploy.md.
    const runbook = await readFile(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
    const headings = [...runbook.matchAll(/^#+ (\S+)$/gm)].map((m) => m[1].toLowerCase());
    expect(alerts.length).toBeGreaterThanOrEqual(14);
    for (const alert of alerts) {
      const name = alert.split('\n')[0].trim();
      expect({ name, for: /^\s+for: \d+[smh]$/m.test(alert) }).toEqual({ name, for: true });
      expect(alert).toMatch(/^\s+severity: (critical|warning)$/m);
      expect(alert).toMatch(/^\s+summary: /m);
      expect(alert).toMatch(/^\s+description: /m);
      expect(alert).toContain(`runbook_url: docs/deploy.md#${name.toLowerCase()}`);
      expect({ name, runbook: headings.includes(name.toLowerCase()) }).toEqual({
        name,
        runbook: true,
      });
    }
  });

  describe('against a running gateway', () => {
    let upstream: FakeUpstream;
    let server: ServerProcess;
    let prometheus: ChildProcess | undefined;
    let prometheusUrl: string;
    let cwd: string;
    const prometheusLog: string[] = [];

    const query = async (promql: string) => {
      const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`;
      return (await (await fetch(url)).json()) as {
        status: string;
        error?: string;
        data?: { result: unknown[] };
      };
    };
    const alerts = async (): Promise<PrometheusAlert[]> => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: PrometheusAlert[] };
      };
      return body.data.alerts;
    };
    const upstreamAlerts = async () =>
      (await alerts()).filter(
        (a) => a.labels.alertname.startsWith('YieldflowUpstream') && a.labels.provider === 'fmp',
      );

    // Distinct symbols, so that each request misses the cache and asks the upstream (the
    // hand-tuned ones, whose bars the fake upstream has ready).
    const symbols = [...CORE_SYMBOLS].sort();
    let next = 0;
    const quote = async () => {
      const symbol = symbols[next++ % symbols.length];
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': server.demoKey! },
        body: JSON.stringify({
          query: `query AlertQuote { quote(symbol: "${symbol}") { price } }`,
        }),
      });
      expect(response.status).toBe(200);
    };

    beforeAll(async () => {
      upstream = await startFakeUpstream('fmp');
      cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-alerts-'));
      server = await spawnServer({
        cwd,
        env: {
          PORT: '0',
          // fmp first; the simulator answers while fmp fails, so requests keep succeeding.
          MARKET_DATA_PROVIDERS: 'fmp,simulator',
          FMP_API_KEY: upstream.apiKey,
          FMP_BASE_URL: upstream.url,
          FMP_RATE_LIMIT: 'unlimited',
        },
      });

      // The same rules with every `for:` at 0s: the expressions are the real ones, and an
      // alert fires at the first evaluation where its condition holds.
      const rules = await readFile(ALERTS, 'utf8');
      const alertCount = rules.match(/^\s*- alert: /gm)!.length;
      let rewritten = 0;
      const instant = rules.replace(/^(\s+for:\s*)\S+$/gm, (_, head: string) => {
        rewritten += 1;
        return `${head}0s`;
      });
      expect(rewritten).toBe(alertCount);
      await writeFile(path.join(cwd, 'alerts.yml'), instant);
      const target = new URL(server.url).host;
      await writeFile(
        path.join(cwd, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'rule_files: [alerts.yml]',
          'scrape_configs:',
          '  - job_name: yieldflow',
          `    static_configs: [{ targets: ['${target}'] }]`,
          '',
        ].join('\n'),
      );
      const port = await freePort();
      prometheusUrl = `http://127.0.0.1:${port}`;
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${path.join(cwd, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(cwd, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const spawned = new Promise<void>((resolve, reject) => {
        prometheus!.once('spawn', resolve);
        prometheus!.once('error', reject); // ENOENT: the package is not installed
      });
      prometheus.stderr!.setEncoding('utf8').on('data', (c: string) => prometheusLog.push(c));
      await spawned;
      await waitFor(
        async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok === true,
        15_000,
        `Prometheus ready on ${prometheusUrl}`,
      );
    }, 60_000);

    afterAll(async () => {
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
        prometheus.kill('SIGTERM');
        await exited;
      }
      if (server) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await upstream?.close();
      if (cwd) await rm(cwd, { recursive: true, force: true });
    });

    it('exposes every metric the alerts and the dashboard use', async () => {
      const text = await (await fetch(new URL('/metrics', server.url))).text();
      const exposed = exposedNames(text);
      const rules = await readFile(ALERTS, 'utf8');
      const exprs = alertExpressions(rules);
      expect(exprs).toHaveLength(rules.match(/^\s*- alert: /gm)!.length);
      const used = new Set([
        ...metricNames(exprs.join('\n')),
        ...metricNames((await dashboardExpressions()).join('\n')),
      ]);
      expect(used.size).toBeGreaterThanOrEqual(15);
      expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    });

    it('has only expressions Prometheus accepts in the dashboard', async () => {
      const exprs = (await dashboardExpressions()).map((e) =>
        e.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*'),
      );
      for (const expr of exprs) {
        const answer = await query(expr);
        expect({ expr, status: answer.status, error: answer.error }).toEqual({
          expr,
          status: 'success',
          error: undefined,
        });
      }
    });

    it('fires the upstream alert once the provider fails', async () => {
      for (let i = 0; i < 5; i += 1) await quote();
      // Healthy: once Prometheus holds the successful attempts and has evaluated the
      // rules after that, no upstream alert of fmp is pending or firing.
      await eventually(
        () => query('sum(yieldflow_upstream_requests_total{provider="fmp",outcome="ok"})'),
        (answer) => (answer.data?.result.length ?? 0) > 0,
        10_000,
        'successful fmp attempts scraped',
      );
      const scrapedAt = Date.now();
      await waitFor(
        async () => {
          const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
            data: { groups: Array<{ lastEvaluation: string }> };
          };
          return body.data.groups.every((g) => Date.parse(g.lastEvaluation) > scrapedAt);
        },
        10_000,
        'rules evaluated after the scrape',
      );
      expect(await upstreamAlerts()).toEqual([]);

      upstream.intercept = () => ({ status: 500, body: { error: 'upstream down' } });
      const firing = await eventually(
        async () => {
          await quote();
          return upstreamAlerts();
        },
        // The circuit's alert may fire first: wait for the failures' own.
        (found) =>
          found.some(
            (a) => a.labels.alertname === 'YieldflowUpstreamFailing' && a.state === 'firing',
          ),
        30_000,
        'YieldflowUpstreamFailing of fmp firing',
      );
      const names = firing.filter((a) => a.state === 'firing').map((a) => a.labels.alertname);
      expect(names).toEqual(expect.arrayContaining(['YieldflowUpstreamFailing']));
      const failing = firing.find((a) => a.labels.alertname === 'YieldflowUpstreamFailing')!;
      expect(failing.labels).toMatchObject({
        job: 'yieldflow',
        provider: 'fmp',
        severity: 'warning',
      });
    }, 60_000);
  });
});
