import { runHealthChecks } from '../../../src/server/health';

describe('runHealthChecks', () => {
  it('is ready when every check resolves', async () => {
    const result = await runHealthChecks([
      { name: 'database', check: async () => undefined },
      { name: 'cache', check: async () => undefined },
    ]);
    expect(result).toEqual({
      ready: true,
      down: [],
      checks: { database: { status: 'up' }, cache: { status: 'up' } },
    });
  });

  it('names failed and hung checks as down, within the time bound', async () => {
    const started = Date.now();
    const result = await runHealthChecks(
      [
        { name: 'database', check: async () => undefined },
        { name: 'cache', check: () => Promise.reject(new Error('ECONNREFUSED')) },
        { name: 'providers', check: () => new Promise(() => undefined) },
      ],
      100,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.ready).toBe(false);
    expect(result.down).toEqual(['cache', 'providers']);
    expect(result.checks.cache).toEqual({ status: 'down', error: 'ECONNREFUSED' });
    expect(result.checks.providers.error).toMatch(/no answer within 100 ms/);
  });
});
