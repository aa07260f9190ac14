import { codes, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** Performance's analytics fields, with two benchmark comparisons. */
const ANALYTICS = `query($id: ID!, $from: Date, $to: Date, $benchmark: String!) {
  portfolio(id: $id) {
    performance(from: $from, to: $to) {
      startValue endValue netFlows timeWeightedReturn
      maxDrawdown maxDrawdownDuration maxDrawdownPeak maxDrawdownTrough maxDrawdownRecovery
      sortinoRatio
      attribution { price dividends currency fees total }
      spy: benchmark { symbol observations benchmarkReturn beta alpha trackingError informationRatio }
      chosen: benchmark(symbol: $benchmark) { symbol observations benchmarkReturn beta alpha trackingError informationRatio }
    }
  }
}`;

interface Comparison {
  symbol: string;
  observations: number;
  benchmarkReturn: number | null;
  beta: number | null;
  alpha: number | null;
  trackingError: number | null;
  informationRatio: number | null;
}
type Analytics = {
  portfolio: {
    performance: {
      startValue: number;
      endValue: number;
      netFlows: number;
      timeWeightedReturn: number | null;
      maxDrawdown: number | null;
      maxDrawdownDuration: number | null;
      maxDrawdownPeak: string | null;
      maxDrawdownTrough: string | null;
      maxDrawdownRecovery: string | null;
      sortinoRatio: number | null;
      attribution: Record<'price' | 'dividends' | 'currency' | 'fees' | 'total', number | null>;
      spy: Comparison;
      chosen: Comparison;
    };
  } | null;
};

describe('Portfolio.performance analytics over GraphQL (simulator)', () => {
  let server: TestServer;
  let auth: { headers: Record<string, string> };

  const portfolioWith = async (csv: string) => {
    const created = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Analytics") { id } }',
      auth,
    );
    const id = created.body.data!.createPortfolio.id;
    const imported = await gql<{ importTransactions: { imported: number; errors: unknown[] } }>(
      server.url,
      'mutation($id: ID!, $csv: String!) { importTransactions(portfolioId: $id, csv: $csv) { imported errors { line message } } }',
      { ...auth, variables: { id, csv } },
    );
    expect(imported.body.data!.importTransactions.errors).toEqual([]);
    return id;
  };
  const analytics = (variables: Record<string, unknown>) =>
    gql<Analytics>(server.url, ANALYTICS, { ...auth, variables });

  beforeAll(async () => {
    server = await startTestServer();
    const registered = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: `analytics.${Date.now()}@example.com` } },
    );
    auth = { headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` } };
  });
  afterAll(() => server.close());

  it('matches a one-stock portfolio to that stock: drawdown from its closes, beta 1, no tracking error', async () => {
    // NFLX pays no dividend and has no split in the simulator: adjClose = close.
    const id = await portfolioWith(
      ['date,type,symbol,quantity,price', '2024-01-02,BUY,NFLX,10,200'].join('\n'),
    );
    const response = await analytics({
      id,
      from: '2024-01-03',
      to: '2024-06-28',
      benchmark: 'NFLX',
    });
    expect(response.body.errors).toBeUndefined();
    const p = response.body.data!.portfolio!.performance;

    const history = await gql<{ company: { history: Array<{ date: string; close: number }> } }>(
      server.url,
      '{ company(symbol: "NFLX") { history(from: "2024-01-02", to: "2024-06-28") { date close } } }',
      auth,
    );
    const bars = history.body.data!.company.history;
    expect(bars[0].date).toBe('2024-01-02');
    // The index is the stock's closes from the close of 2 Jan (the range's start value).
    let peak = bars[0].close;
    let worst = 0;
    for (const { close } of bars) {
      peak = Math.max(peak, close);
      worst = Math.max(worst, 1 - close / peak);
    }
    expect(p.maxDrawdown).toBeCloseTo(worst, 9);
    expect(p.maxDrawdownDuration).toBeGreaterThan(0);
    expect(p.maxDrawdownPeak! < p.maxDrawdownTrough!).toBe(true);
    expect(p.timeWeightedReturn).toBeCloseTo(bars.at(-1)!.close / bars[0].close - 1, 9);

    expect(p.chosen).toMatchObject({
      symbol: 'NFLX',
      observations: bars.length - 1,
      trackingError: 0,
      informationRatio: null,
    });
    expect(p.chosen.beta).toBeCloseTo(1, 9);
    expect(p.chosen.alpha).toBeCloseTo(0, 9);
    expect(p.chosen.benchmarkReturn).toBeCloseTo(p.timeWeightedReturn!, 9);
    expect(p.spy.symbol).toBe('SPY');
    expect(p.spy.beta).not.toBeNull();
    expect(p.spy.trackingError).toBeGreaterThan(0);

    // Price only: 10 × (last close − close of 2 Jan).
    expect(p.attribution).toEqual({
      price: expect.closeTo(10 * (bars.at(-1)!.close - bars[0].close), 6),
      dividends: 0,
      currency: 0,
      fees: 0,
      total: expect.closeTo(10 * (bars.at(-1)!.close - bars[0].close), 6),
    });
  });

  it('attributes a mixed ledger: exact dividends and fees, terms summing to the return', async () => {
    const id = await portfolioWith(
      [
        'date,type,symbol,quantity,price,fee,amount',
        '2024-01-02,DEPOSIT,,,,,20000',
        '2024-01-03,BUY,KO,100,60,5,',
        '2024-02-01,BUY,MSFT,10,400,1.5,',
        '2024-03-01,SELL,KO,40,65,2.25,',
        '2024-04-02,DIVIDEND,KO,,,,18.4',
        '2024-05-01,FEE,,,,,3',
        '2024-06-03,WITHDRAWAL,,,,,500',
      ].join('\n'),
    );
    const response = await analytics({ id, from: '2024-01-15', to: '2024-06-28', benchmark: 'KO' });
    expect(response.body.errors).toBeUndefined();
    const p = response.body.data!.portfolio!.performance;
    const a = p.attribution;
    // In the range: the MSFT buy (1.5) and KO sell (2.25) commissions and the FEE (3).
    expect(a.dividends).toBe(18.4);
    expect(a.fees).toBeCloseTo(-6.75, 12);
    expect(a.currency).toBe(0);
    expect(a.price! + a.dividends! + a.currency! + a.fees!).toBe(a.total);
    expect(a.total).toBeCloseTo(p.endValue - p.startValue - p.netFlows, 6);
    expect(p.netFlows).toBe(-500);
    for (const value of [p.maxDrawdown, p.sortinoRatio, p.spy.beta, p.spy.alpha]) {
      expect(Number.isFinite(value)).toBe(true);
    }
    expect(p.spy.trackingError).toBeGreaterThan(0);
    expect(p.spy.informationRatio).not.toBeNull();
    expect(p.chosen.symbol).toBe('KO');
  });

  it('refuses an unknown or malformed benchmark with BAD_USER_INPUT naming the argument', async () => {
    const id = await portfolioWith(
      ['date,type,symbol,quantity,price', '2024-01-02,BUY,NFLX,1,200'].join('\n'),
    );
    for (const benchmark of ['NOSUCH', 'not a symbol']) {
      const response = await analytics({ id, from: '2024-01-03', to: '2024-02-01', benchmark });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0].extensions).toMatchObject({ argument: 'symbol' });
      expect(response.body.errors![0].path).toEqual(['portfolio', 'performance', 'chosen']);
    }
  });
});
