import { MemoryBudget } from '../../../../src/datasources/providers/upstream-budget';

describe('MemoryBudget', () => {
  it('never allows more than the limit in any window, and gives tokens back one window later', () => {
    let now = 0;
    const budget = new MemoryBudget([{ limit: 5, windowMs: 60_000 }], () => now);
    const granted: number[] = [];
    // One attempt every 5 s for 5 minutes.
    for (now = 0; now < 300_000; now += 5_000) if (budget.takeSync()) granted.push(now);
    for (const start of granted) {
      const inWindow = granted.filter((t) => t >= start && t < start + 60_000);
      expect(inWindow.length).toBeLessThanOrEqual(5);
    }
    // A steadily refilled bucket would have let ~25 through; this lets exactly 5 a minute.
    expect(granted).toHaveLength(25);
    expect(granted.slice(0, 6)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 60_000]);
  });

  it('spends a call in every window or in none', () => {
    let now = 0;
    const budget = new MemoryBudget(
      [
        { limit: 2, windowMs: 1_000 },
        { limit: 3, windowMs: 60_000 },
      ],
      () => now,
    );
    expect([budget.takeSync(), budget.takeSync(), budget.takeSync()]).toEqual([true, true, false]);
    now = 1_000;
    // The second window still has one call left; the denied call above spent none of it.
    expect([budget.takeSync(), budget.takeSync()]).toEqual([true, false]);
    now = 60_000;
    expect(budget.takeSync()).toBe(true);
  });
});
