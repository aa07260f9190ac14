import { timeWeightedReturn, twrIndex, type IndexPoint } from '../../../src/domain/performance';
import { maxDrawdownOf, sortinoRatio } from '../../../src/domain/portfolio-risk';

/** An index from closing values without flows, starting the day before the first date. */
function indexOfValues(start: number, values: Array<[date: string, value: number]>) {
  return twrIndex(
    '2024-01-01',
    start,
    values.map(([date, value]) => ({ date, value, flow: 0 })),
  )!;
}

describe('twrIndex (hand-computed)', () => {
  it('chains daily returns net of flows; its last level − 1 is timeWeightedReturn', () => {
    const days = [
      // 1000 + 500 in → 1575: r = 1575 / 1500 − 1 = +5 %, level 1.05.
      { date: '2024-01-02', value: 1575, flow: 500 },
      // 1417.5 / 1575 − 1 = −10 %, level 0.945.
      { date: '2024-01-03', value: 1417.5, flow: 0 },
      // 417.5 out → 1050: r = 1050 / (1417.5 − 417.5) − 1 = +5 %, level 0.99225.
      { date: '2024-01-04', value: 1050, flow: -417.5 },
    ];
    const index = twrIndex('2024-01-01', 1000, days)!;
    expect(index.map((p) => p.date)).toEqual([
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
    ]);
    expect(index.map((p) => p.level)).toEqual([
      1,
      expect.closeTo(1.05, 12),
      expect.closeTo(0.945, 12),
      expect.closeTo(0.99225, 12),
    ]);
    expect(index.map((p) => p.dailyReturn)).toEqual([
      0,
      expect.closeTo(0.05, 12),
      expect.closeTo(-0.1, 12),
      expect.closeTo(0.05, 12),
    ]);
    expect(index[3].level - 1).toBe(timeWeightedReturn(1000, days));
    // The flows are not losses: the value fell by a third (1575 → 1050), the index by 10 %.
    expect(maxDrawdownOf(index)!.depth).toBeCloseTo(0.1, 12);
  });

  it('starts at the close before money is first at work, and keeps its level while none is', () => {
    const index = twrIndex('2024-01-01', 0, [
      { date: '2024-01-02', value: 0, flow: 0 },
      { date: '2024-01-03', value: 1010, flow: 1000 },
      { date: '2024-01-04', value: 0, flow: -1010 },
      { date: '2024-01-05', value: 0, flow: 0 },
    ])!;
    expect(index).toEqual([
      { date: '2024-01-02', level: 1, dailyReturn: 0 },
      {
        date: '2024-01-03',
        level: expect.closeTo(1.01, 12),
        dailyReturn: expect.closeTo(0.01, 12),
      },
      { date: '2024-01-04', level: expect.closeTo(1.01, 12), dailyReturn: 0 },
      { date: '2024-01-05', level: expect.closeTo(1.01, 12), dailyReturn: 0 },
    ]);
  });

  it('is empty with no money at work, and null where the TWR is', () => {
    expect(twrIndex('2024-01-01', 0, [{ date: '2024-01-02', value: 0, flow: 0 }])).toEqual([]);
    // A value out of nothing: no base to measure it against.
    expect(twrIndex('2024-01-01', 0, [{ date: '2024-01-02', value: 5, flow: 0 }])).toBeNull();
  });
});

describe('maxDrawdownOf (hand-computed)', () => {
  it('finds peak, trough and recovery: 100 → 110 → 99 → 88 → 100 → 110 → 105', () => {
    const index = indexOfValues(100, [
      ['2024-01-02', 110], // peak
      ['2024-01-03', 99],
      ['2024-01-04', 88], // trough: 1 − 88 / 110 = 0.2
      ['2024-01-05', 100],
      ['2024-01-08', 110], // back at the peak: recovered
      ['2024-01-09', 105], // 1 − 105 / 110 ≈ 0.045, shallower
    ]);
    expect(maxDrawdownOf(index)).toEqual({
      depth: expect.closeTo(0.2, 12),
      peak: '2024-01-02',
      trough: '2024-01-04',
      recovery: '2024-01-08',
      durationDays: 6, // 2 Jan to 8 Jan
    });
  });

  it('counts an unrecovered drawdown to the last day: 100 → 120 → 90 → 96', () => {
    const index = indexOfValues(100, [
      ['2024-01-02', 120],
      ['2024-01-03', 90], // 1 − 90 / 120 = 0.25
      ['2024-01-10', 96],
    ]);
    expect(maxDrawdownOf(index)).toEqual({
      depth: expect.closeTo(0.25, 12),
      peak: '2024-01-02',
      trough: '2024-01-03',
      recovery: null,
      durationDays: 8, // 2 Jan to 10 Jan, the last day
    });
  });

  it('measures from the last close at the peak; 0 when it never fell; null under two points', () => {
    const flatThenFall = indexOfValues(100, [
      ['2024-01-02', 100],
      ['2024-01-03', 100],
      ['2024-01-04', 95],
    ]);
    expect(maxDrawdownOf(flatThenFall)).toMatchObject({ peak: '2024-01-03', durationDays: 1 });
    expect(
      maxDrawdownOf(
        indexOfValues(100, [
          ['2024-01-02', 101],
          ['2024-01-03', 102],
        ]),
      ),
    ).toEqual({ depth: 0, peak: null, trough: null, recovery: null, durationDays: 0 });
    expect(maxDrawdownOf([{ date: '2024-01-01', level: 1, dailyReturn: 0 }])).toBeNull();
    expect(maxDrawdownOf([])).toBeNull();
  });
});

describe('sortinoRatio (hand-computed)', () => {
  // Daily returns +2 %, −1 %, +3 %, −2 % (levels 1, 1.02, 1.0098, 1.040094, 1.01929212).
  const returns = [0.02, -0.01, 0.03, -0.02];
  let level = 1;
  const index: IndexPoint[] = [
    { date: '2024-01-01', level: 1, dailyReturn: 0 },
    ...returns.map((r, i) => {
      level *= 1 + r;
      return { date: `2024-01-0${i + 2}`, level, dailyReturn: r };
    }),
  ];

  it('uses the mean over all days of min(0, r)² (target 0)', () => {
    // mean = 0.02 / 4 = 0.005; downside deviation = √((0.01² + 0.02²) / 4) = √0.000125
    // = 0.0111803; Sortino = 0.005 × 252 / (0.0111803 × √252) = 7.0992957.
    expect(sortinoRatio(index)).toBeCloseTo(7.0992957397, 8);
    // With RISK_FREE_RATE 5 %: (1.26 − 0.05) / (0.0111803 × √252) = 6.8175777.
    expect(sortinoRatio(index, 0.05)).toBeCloseTo(6.8175776548, 8);
    // (The mean over the losing days only would give √(0.0005 / 2) and 5.01996: not this.)
  });

  it('is null when no day lost, or without a return', () => {
    const rising = indexOfValues(100, [
      ['2024-01-02', 101],
      ['2024-01-03', 101],
    ]);
    expect(sortinoRatio(rising)).toBeNull();
    expect(sortinoRatio(index.slice(0, 1))).toBeNull();
  });
});
