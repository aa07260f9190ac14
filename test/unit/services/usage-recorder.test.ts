import pino from 'pino';
import type {
  UsageEntry,
  UsageRepository,
} from '../../../src/datasources/database/usage.repository';
import type { Viewer } from '../../../src/domain/viewer';
import { MAX_OPERATION_NAMES_PER_DAY, OperationNames } from '../../../src/services/operation-names';
import { UsageRecorder } from '../../../src/services/usage.service';
import { keepingLogger } from '../../helpers/log-lines';

/** A repository that keeps what it is given, and fails while `failing` is set. */
class KeepingRepository {
  written: UsageEntry[] = [];
  failing = false;
  async insertMany(rows: UsageEntry[]): Promise<void> {
    if (this.failing) throw new Error('database down');
    this.written.push(...rows.map((r) => ({ ...r })));
  }
}

const viewer = (apiKeyId: string | null): Viewer =>
  ({ userId: 'u1', apiKeyId, plan: 'PRO', scopes: new Set() }) as unknown as Viewer;
const ok = { operationName: 'Quote', cost: 2, status: 'OK', durationMs: 3, cacheHits: 1 };

function setup(start = Date.parse('2026-12-01T10:00:00.250Z')) {
  const repository = new KeepingRepository();
  const clock = { now: start };
  const recorder = new UsageRecorder(
    repository as unknown as UsageRepository,
    pino({ level: 'silent' }),
    () => clock.now,
  );
  return { repository, clock, recorder };
}

describe('UsageRecorder', () => {
  it('sums the requests of one key, operation and status in one second into one row', async () => {
    const { repository, recorder } = setup();
    for (let i = 0; i < 1000; i += 1) recorder.recordRequest(viewer('k1'), ok);
    await recorder.flush();
    expect(repository.written).toEqual([
      {
        userId: 'u1',
        apiKeyId: 'k1',
        operationName: 'Quote',
        requests: 1000,
        cost: 2000,
        status: 'OK',
        durationMs: 3000,
        cacheHits: 1000,
        createdAt: new Date('2026-12-01T10:00:00.000Z'),
      },
    ]);
  });

  it('keeps keys, operations, statuses and seconds apart', async () => {
    const { repository, recorder, clock } = setup();
    recorder.recordRequest(viewer('k1'), ok);
    recorder.recordRequest(viewer(null), ok);
    recorder.recordRequest(viewer('k1'), { ...ok, operationName: null });
    recorder.recordRequest(viewer('k1'), { ...ok, status: 'RATE_LIMITED', cost: 0 });
    clock.now += 1000;
    recorder.recordRequest(viewer('k1'), ok);
    await recorder.flush();
    const rows = repository.written.map(
      (r) =>
        `${r.createdAt.toISOString()} ${r.apiKeyId} ${r.operationName} ${r.status} ${r.requests}`,
    );
    expect(rows.sort()).toEqual([
      '2026-12-01T10:00:00.000Z k1 Quote OK 1',
      '2026-12-01T10:00:00.000Z k1 Quote RATE_LIMITED 1',
      '2026-12-01T10:00:00.000Z k1 anonymous OK 1',
      '2026-12-01T10:00:00.000Z null Quote OK 1',
      '2026-12-01T10:00:01.000Z k1 Quote OK 1',
    ]);
  });

  it('loses nothing when a write fails: the rows are written with the next batch', async () => {
    const { repository, recorder } = setup();
    repository.failing = true;
    recorder.recordRequest(viewer('k1'), ok);
    recorder.recordRequest(viewer('k1'), ok);
    await recorder.flush();
    expect(repository.written).toEqual([]);
    // Arrives after the failed write, same key and second: summed into the kept row.
    recorder.recordRequest(viewer('k1'), ok);
    repository.failing = false;
    await recorder.close();
    expect(repository.written).toHaveLength(1);
    expect(repository.written[0]).toMatchObject({ requests: 3, cost: 6, durationMs: 9 });
  });

  it('keeps every request through a long outage in a bounded buffer, merged into coarser buckets', async () => {
    const { logger, lines } = keepingLogger();
    const repository = new KeepingRepository();
    const clock = { now: Date.parse('2026-12-01T10:00:00.250Z') };
    const recorder = new UsageRecorder(
      repository as unknown as UsageRepository,
      logger,
      () => clock.now,
    );
    repository.failing = true;
    // 150,000 distinct seconds (41 hours): more rows than the buffer holds.
    const seconds = 150_000;
    let most = 0;
    for (let i = 0; i < seconds; i += 1) {
      clock.now += 1000;
      recorder.recordRequest(viewer('k1'), ok);
      most = Math.max(most, recorder.buffered);
    }
    expect(most).toBeLessThanOrEqual(100_000);
    await recorder.flush();
    expect(repository.written).toEqual([]);
    repository.failing = false;
    await recorder.close();
    const total = (key: 'requests' | 'cost' | 'durationMs' | 'cacheHits') =>
      repository.written.reduce((sum, row) => sum + row[key], 0);
    expect([total('requests'), total('cost'), total('durationMs'), total('cacheHits')]).toEqual([
      seconds,
      2 * seconds,
      3 * seconds,
      seconds,
    ]);
    // The oldest rows were merged per minute; the newest kept their second.
    expect(repository.written.length).toBeLessThan(100_000);
    expect(repository.written[0].createdAt.getUTCSeconds()).toBe(0);
    const messages = lines.map((line) => line.msg);
    expect(
      messages.filter((m) => m === 'usage write failed; kept in memory and retried every second'),
    ).toHaveLength(1);
    expect(messages.filter((m) => String(m).startsWith('usage buffer full'))).toEqual([
      'usage buffer full (database not written): rows merged per minute',
    ]);
    expect(messages).toContain('usage written again');
  });

  it('writes at 500 rows without waiting for the timer', async () => {
    const { repository, recorder, clock } = setup();
    for (let i = 0; i < 500; i += 1) {
      clock.now += 1000;
      recorder.recordRequest(viewer('k1'), ok);
    }
    // No flush() and no timer: the 500th row started the write.
    await new Promise((resolve) => setImmediate(resolve));
    expect(repository.written).toHaveLength(500);
    expect(repository.written.every((r) => r.requests === 1)).toBe(true);
  });

  it("meters names past a key's cap of the day as `other`, with exact totals", async () => {
    const { repository, recorder, clock } = setup();
    const names = MAX_OPERATION_NAMES_PER_DAY + 70;
    for (let i = 0; i < names; i += 1) {
      recorder.recordRequest(viewer('k1'), { ...ok, operationName: `Op${i}` });
      recorder.recordRequest(viewer('k2'), { ...ok, operationName: `Op${i % 10}` });
    }
    await recorder.flush();
    const k1 = repository.written.filter((r) => r.apiKeyId === 'k1');
    expect(k1).toHaveLength(MAX_OPERATION_NAMES_PER_DAY + 1);
    expect(k1.find((r) => r.operationName === 'other')).toMatchObject({ requests: 70, cost: 140 });
    expect(k1.reduce((sum, r) => sum + r.requests, 0)).toBe(names);
    // Another key has its own names; the next UTC day starts again.
    expect(repository.written.filter((r) => r.apiKeyId === 'k2')).toHaveLength(10);
    clock.now += 86_400_000;
    recorder.recordRequest(viewer('k1'), { ...ok, operationName: 'Fresh' });
    await recorder.flush();
    expect(repository.written.at(-1)).toMatchObject({ operationName: 'Fresh', requests: 1 });
  });
});

describe('OperationNames', () => {
  it('remembers at most its number of subjects, forgetting the first seen', () => {
    const names = new OperationNames(2, 100);
    for (let i = 0; i < 1_000; i += 1) names.nameFor(`key-${i}`, '2026-12-01', 'Quote');
    expect(names.size).toBe(100);
    expect(names.nameFor('key-999', '2026-12-01', 'A')).toBe('A');
    expect(names.nameFor('key-999', '2026-12-01', 'B')).toBe('other');
    expect(names.nameFor('key-999', '2026-12-01', 'anonymous')).toBe('anonymous');
  });
});
