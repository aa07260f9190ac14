import { MemoryReplayGuard } from '../../../../src/datasources/cache/replay-guard';

describe('MemoryReplayGuard (bounded, expiring)', () => {
  it('refuses a replay within the TTL and accepts the signature again after it', async () => {
    let now = 0;
    const guard = new MemoryReplayGuard(() => now);
    expect(await guard.firstSeen('a', 600)).toBe(true);
    now += 599_999;
    expect(await guard.firstSeen('a', 600)).toBe(false);
    now += 1;
    expect(await guard.firstSeen('a', 600)).toBe(true);
  });

  it('forgets expired signatures as new ones arrive, so its size is what the TTL holds', async () => {
    let now = 0;
    const guard = new MemoryReplayGuard(() => now, 1_000_000);
    for (let i = 0; i < 5_000; i += 1) {
      await guard.firstSeen(`sig-${i}`, 10);
      now += 100; // 10 a second, kept 10 s: about 100 remembered
    }
    expect(guard.size).toBe(100);
  });

  it('never remembers more than its cap, evicting the oldest', async () => {
    const guard = new MemoryReplayGuard(() => 0, 50);
    for (let i = 0; i < 500; i += 1) await guard.firstSeen(`sig-${i}`, 600);
    expect(guard.size).toBe(50);
    expect(await guard.remembers('sig-499')).toBe(true);
    expect(await guard.remembers('sig-0')).toBe(false);
  });
});
