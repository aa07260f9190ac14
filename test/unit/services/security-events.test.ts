import { MemoryBlockStore } from '../../../src/datasources/cache/memory-block-store';
import type {
  NewSecurityEvent,
  SecurityEventRepository,
} from '../../../src/datasources/database/security-event.repository';
import type { Viewer } from '../../../src/domain/viewer';
import { keepingLogger } from '../../helpers/log-lines';
import { Metrics } from '../../../src/observability/metrics';
import { SecurityEvents } from '../../../src/services/security/security-events.service';

/** A repository that keeps what it is given, and fails while `failing` is set. */
class KeepingRepository {
  written: NewSecurityEvent[] = [];
  failing = false;
  async insert(event: NewSecurityEvent): Promise<void> {
    if (this.failing) throw new Error('database down');
    this.written.push(event);
  }
}

function setup(options: { autoBlock?: boolean } = {}) {
  const clock = { now: Date.parse('2026-12-02T12:00:00Z') };
  const repository = new KeepingRepository();
  const { logger, lines } = keepingLogger();
  const metrics = new Metrics();
  const security = new SecurityEvents({
    repository: repository as unknown as SecurityEventRepository,
    blocks: new MemoryBlockStore(() => clock.now),
    logger,
    metrics,
    autoBlock: options.autoBlock ?? true,
    now: () => new Date(clock.now),
  });
  return { clock, repository, lines, metrics, security };
}

const viewer = { userId: 'u1', apiKeyId: 'k1', plan: 'FREE' } as unknown as Viewer;

describe('SecurityEvents', () => {
  it('blocks an address at its 20th refused key in 5 minutes, for 15 minutes', async () => {
    const { clock, security } = setup();
    for (let i = 0; i < 19; i += 1) await security.record({ kind: 'KEY_REFUSED', ip: '1.2.3.4' });
    expect(security.screen('1.2.3.4')).toBeNull();
    await security.record({ kind: 'LOGIN_FAILED', ip: '1.2.3.4' });
    const refusal = security.screen('1.2.3.4') as { extensions: Record<string, unknown> } | null;
    expect(refusal?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 900 });
    expect(security.screen('1.2.3.5')).toBeNull();
    clock.now += 15 * 60_000;
    expect(security.screen('1.2.3.4')).toBeNull();
  });

  it('counts in a window of 5 minutes: events further apart do not add up', async () => {
    const { clock, security } = setup();
    for (let i = 0; i < 19; i += 1) await security.record({ kind: 'KEY_REFUSED', ip: '1.2.3.4' });
    clock.now += 5 * 60_000;
    await security.record({ kind: 'KEY_REFUSED', ip: '1.2.3.4' });
    expect(security.screen('1.2.3.4')).toBeNull();
  });

  it('blocks a key at its 10th bad signature or allow-list miss: FORBIDDEN naming the reason', async () => {
    const { security } = setup();
    for (let i = 0; i < 5; i += 1) {
      await security.record({ kind: 'BAD_SIGNATURE', ip: `10.0.0.${i}`, apiKeyId: 'k1' });
      await security.record({ kind: 'IP_NOT_ALLOWED', ip: `10.0.1.${i}`, apiKeyId: 'k1' });
    }
    const refusal = security.screen('10.9.9.9', 'k1') as Error & {
      extensions: Record<string, unknown>;
    };
    expect(refusal.extensions.code).toBe('FORBIDDEN');
    expect(refusal.message).toMatch(/10 bad signatures/);
    expect(security.screen('10.9.9.9', 'k2')).toBeNull();
  });

  it('lifts a block on unblock (administrators only)', async () => {
    const { security } = setup();
    for (let i = 0; i < 20; i += 1) await security.record({ kind: 'KEY_REFUSED', ip: '1.2.3.4' });
    await expect(security.unblock(viewer, { ip: '1.2.3.4' })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    const admin = { ...viewer, role: 'ADMIN' } as Viewer;
    await expect(security.unblock(admin, { ip: '1.2.3.4' })).resolves.toBe(true);
    expect(security.screen('1.2.3.4')).toBeNull();
    await expect(security.unblock(admin, { ip: '1.2.3.4' })).resolves.toBe(false);
  });

  it('only records with SECURITY_AUTO_BLOCK=false', async () => {
    const { repository, security } = setup({ autoBlock: false });
    for (let i = 0; i < 30; i += 1) await security.record({ kind: 'KEY_REFUSED', ip: '1.2.3.4' });
    expect(security.screen('1.2.3.4')).toBeNull();
    expect(repository.written).toHaveLength(30);
  });

  it('never fails the caller when the event cannot be written: logs it, and counts it', async () => {
    const { repository, lines, metrics, security } = setup();
    repository.failing = true;
    await expect(security.record({ kind: 'LOGIN_FAILED', ip: '1.2.3.4' })).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.some((line) => line.msg === 'security event not written')).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('yieldflow_security_events_total{kind="LOGIN_FAILED"} 1');
    expect(text).toContain('yieldflow_security_events_total{kind="BAD_SIGNATURE"} 0');
  });

  it('records one RATE_LIMIT_STORM per storm minute of a subject', async () => {
    const { clock, repository, security } = setup();
    const storms = () => repository.written.filter((e) => e.kind === 'RATE_LIMIT_STORM');
    for (let i = 0; i < 19; i += 1) security.rateLimited('account:u1', '1.2.3.4', viewer);
    expect(storms()).toHaveLength(0);
    for (let i = 0; i < 100; i += 1) security.rateLimited('account:u1', '1.2.3.4', viewer);
    expect(storms()).toHaveLength(1);
    expect(storms()[0]).toMatchObject({ apiKeyId: 'k1', detail: { subject: 'account:u1' } });
    clock.now += 60_000;
    for (let i = 0; i < 20; i += 1) security.rateLimited('account:u1', '1.2.3.4', viewer);
    expect(storms()).toHaveLength(2);
  });
});
