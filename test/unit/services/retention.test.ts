import { loadConfig } from '../../../src/config/load-config';
import type { RetentionSettings } from '../../../src/config/retention.schema';
import type { UsageGrain } from '../../../src/datasources/database/usage.repository';
import { keepingLogger } from '../../helpers/log-lines';
import { Metrics } from '../../../src/observability/metrics';
import { RetentionJob, type RetentionStores } from '../../../src/services/retention.service';

// The defaults: login attempts 90 days, refresh tokens 7 after they end, expired keys 90,
// security events 30; usage hourly after 3 days, daily after 35.
const SETTINGS: RetentionSettings = loadConfig({ NODE_ENV: 'test' }, '/srv').retention;
const DAY = 86_400_000;
// Not on an hour: the roll-up's ends are rounded down to bucket starts.
const NOW = Date.parse('2026-12-03T16:27:41.123Z');

/** Stores that note what they were asked and answer fixed counts. */
function fakeStores(options: { failing?: string; locked?: boolean } = {}) {
  const asked: Record<string, unknown> = {};
  const rollUps: Array<{ grain: UsageGrain; from: Date | null; before: Date }> = [];
  const pruner = (name: string, rows: number) => async (before?: Date) => {
    if (options.failing === name) throw new Error(`${name} down`);
    asked[name] = before;
    return rows;
  };
  const stores: RetentionStores = {
    sessions: {
      pruneLoginAttempts: pruner('login_attempts', 3),
      pruneRefreshTokens: pruner('refresh_tokens', 2),
    },
    apiKeys: { pruneExpired: pruner('api_keys', 1) },
    securityEvents: { prune: pruner('security_events', 4) },
    loginThrottle: { prune: pruner('login_throttles', 5) },
    usage: {
      rollUp: async (grain, from, before) => {
        rollUps.push({ grain, from, before });
        return options.locked ? null : { merged: 10, written: 2 };
      },
    },
  };
  return { stores, asked, rollUps };
}

function job(stores: RetentionStores, settings: Partial<RetentionSettings> = {}) {
  const { logger, lines } = keepingLogger();
  const metrics = new Metrics();
  const retention = new RetentionJob({
    stores,
    settings: { ...SETTINGS, ...settings },
    logger,
    metrics,
    now: () => new Date(NOW),
  });
  return { retention, lines, metrics };
}

async function metric(metrics: Metrics, name: string): Promise<Record<string, number>> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return Object.fromEntries(
    (found.values as Array<{ labels: Record<string, string>; value: number }>).map((v) => [
      Object.values(v.labels).join(' '),
      v.value,
    ]),
  );
}

describe('RetentionJob', () => {
  it('prunes each table at its horizon and rolls usage up between bucket starts', async () => {
    const { stores, asked, rollUps } = fakeStores();
    const { retention, metrics } = job(stores);
    const report = await retention.run();
    expect(report.failed).toEqual([]);
    expect(asked).toEqual({
      login_attempts: new Date(NOW - 90 * DAY),
      refresh_tokens: new Date(NOW - 7 * DAY),
      api_keys: new Date(NOW - 90 * DAY),
      security_events: new Date(NOW - 30 * DAY),
      login_throttles: undefined,
    });
    // Per day before the UTC day 35 days back started; per hour from then to the UTC
    // hour 3 days back.
    expect(rollUps).toEqual([
      { grain: 'day', from: null, before: new Date('2026-10-29T00:00:00Z') },
      {
        grain: 'hour',
        from: new Date('2026-10-29T00:00:00Z'),
        before: new Date('2026-11-30T16:00:00Z'),
      },
    ]);
    expect(report.outcomes.map((o) => [o.table, o.action, o.rows])).toEqual([
      ['login_attempts', 'pruned', 3],
      ['refresh_tokens', 'pruned', 2],
      ['api_keys', 'pruned', 1],
      ['security_events', 'pruned', 4],
      ['login_throttles', 'pruned', 5],
      ['usage_records', 'rolled_up', 10],
      ['usage_records', 'rolled_up', 10],
    ]);
    expect(await metric(metrics, 'yieldflow_retention_rows_total')).toEqual({
      'login_attempts pruned': 3,
      'refresh_tokens pruned': 2,
      'api_keys pruned': 1,
      'security_events pruned': 4,
      'login_throttles pruned': 5,
      'usage_records rolled_up': 20,
    });
    expect(await metric(metrics, 'yieldflow_retention_runs_total')).toEqual({ ok: 1 });
  });

  it('runs the other steps when one fails, and reports and logs the failure', async () => {
    const { stores, asked } = fakeStores({ failing: 'refresh_tokens' });
    const { retention, lines, metrics } = job(stores);
    const report = await retention.run();
    expect(report.failed).toEqual(['refresh_tokens']);
    expect(Object.keys(asked)).toContain('api_keys');
    expect(report.outcomes).toHaveLength(6);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'retention step failed',
        step: 'refresh_tokens',
        err: 'refresh_tokens down',
      }),
    );
    expect(await metric(metrics, 'yieldflow_retention_runs_total')).toEqual({ failed: 1 });
  });

  it("reports a roll-up left to another replica's run as skipped", async () => {
    const { stores } = fakeStores({ locked: true });
    const { retention } = job(stores);
    const usage = (await retention.run()).outcomes.filter((o) => o.table === 'usage_records');
    expect(usage).toEqual([
      {
        table: 'usage_records',
        action: 'rolled_up',
        grain: 'day',
        rows: 0,
        written: 0,
        skipped: true,
      },
      {
        table: 'usage_records',
        action: 'rolled_up',
        grain: 'hour',
        rows: 0,
        written: 0,
        skipped: true,
      },
    ]);
  });

  it('skips the throttle step for a store that expires its windows itself', async () => {
    const { stores } = fakeStores();
    const { retention } = job({ ...stores, loginThrottle: {} });
    const tables = (await retention.run()).outcomes.map((o) => o.table);
    expect(tables).not.toContain('login_throttles');
  });

  it('shares a run in progress instead of starting a second', async () => {
    const { stores, rollUps } = fakeStores();
    const { retention } = job(stores);
    const [a, b] = [retention.run(), retention.run()];
    expect(a).toBe(b);
    await a;
    expect(rollUps).toHaveLength(2);
  });

  it('runs at start and every interval when enabled; stop waits for the run', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { stores, rollUps } = fakeStores();
      const { retention } = job(stores, { intervalMs: 60_000 });
      retention.start();
      await retention.stop();
      expect(rollUps).toHaveLength(2);
      retention.start();
      await jest.advanceTimersByTimeAsync(60_000);
      await retention.stop();
      expect(rollUps).toHaveLength(6);
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      expect(rollUps).toHaveLength(6);

      const disabled = fakeStores();
      const off = job(disabled.stores, { enabled: false });
      off.retention.start();
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      await off.retention.stop();
      expect(disabled.rollUps).toHaveLength(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
