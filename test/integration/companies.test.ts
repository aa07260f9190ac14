import { SimulatorProvider } from '../../src/datasources/providers/simulator/simulator.provider';
import { aggregateBars } from '../../src/domain/bars';
import {
  CompaniesDocument,
  CompanyDocument,
  CompanyHistoryDocument,
  SearchCompaniesDocument,
} from '../../src/generated/graphql';
import { codes, execute, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const market = new SimulatorProvider();

describe('companies on the default simulator', () => {
  let server: TestServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = server.app.demo!.apiKey;
  });
  afterAll(() => server.close());

  it('answers examples/company.graphql with the profile, market cap and quote', async () => {
    const response = await execute(server.url, CompanyDocument, {
      apiKey,
      variables: { symbol: 'msft' },
    });
    expect(response.body.errors).toBeUndefined();
    const company = response.body.data!.company!;
    const profile = (await market.profiles(['MSFT'])).get('MSFT')!;
    expect(company).toMatchObject({
      symbol: 'MSFT',
      name: profile.name,
      sector: profile.sector,
      country: profile.country,
      employees: profile.employees,
    });
    expect(company.quote!.source).toBe('simulator');
    expect(company.marketCap).toBeGreaterThan(0);
    const unknown = await execute(server.url, CompanyDocument, {
      apiKey,
      variables: { symbol: 'NOSUCH' },
    });
    expect(unknown.body.data!.company).toBeNull();
  });

  it('answers examples/companies.graphql in order, null where unknown', async () => {
    const response = await execute(server.url, CompaniesDocument, {
      apiKey,
      variables: { symbols: ['KO', 'NOPE', 'pep'] },
    });
    expect(response.body.data!.companies.map((c) => c?.symbol ?? null)).toEqual([
      'KO',
      null,
      'PEP',
    ]);
  });

  it('answers examples/search-companies.graphql, loading fields search does not carry', async () => {
    const response = await execute(server.url, SearchCompaniesDocument, {
      apiKey,
      variables: { query: 'micro', limit: 3 },
    });
    const found = response.body.data!.searchCompanies;
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThanOrEqual(3);
    expect(found.every((c) => c.sector)).toBe(true);
    const bad = await execute(server.url, SearchCompaniesDocument, {
      apiKey,
      variables: { query: ' ', limit: 3 },
    });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await execute(server.url, SearchCompaniesDocument, {
      apiKey,
      variables: { query: 'a', limit: 500 },
    });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('serves history between two dates, and aggregates WEEKLY and MONTHLY bars', async () => {
    const range = { from: '2024-01-01', to: '2024-06-30' };
    const daily = (await market.history('AAPL', range))!;
    const ask = (interval: 'DAILY' | 'WEEKLY' | 'MONTHLY') =>
      execute(server.url, CompanyHistoryDocument, {
        apiKey,
        variables: { symbol: 'AAPL', ...range, interval },
      });
    const [d, w, m] = await Promise.all([ask('DAILY'), ask('WEEKLY'), ask('MONTHLY')]);
    expect(d.body.data!.company!.history).toEqual(daily);
    const months = m.body.data!.company!.history;
    expect(months).toHaveLength(6);
    const march = daily.filter((b) => b.date.startsWith('2024-03'));
    expect(months[2]).toEqual({
      date: march[0].date,
      open: march[0].open,
      high: Math.max(...march.map((b) => b.high)),
      low: Math.min(...march.map((b) => b.low)),
      close: march[march.length - 1].close,
      adjClose: march[march.length - 1].adjClose,
      volume: march.reduce((sum, b) => sum + b.volume, 0),
    });
    expect(w.body.data!.company!.history).toEqual(aggregateBars(daily, 'WEEKLY'));
    expect(
      w.body.data!.company!.history.every(
        (b) =>
          new Date(`${b.date}T00:00:00Z`).getUTCDay() === 1 ||
          b === w.body.data!.company!.history[0],
      ),
    ).toBe(true);
    const dividends = d.body.data!.company!.dividends;
    expect(dividends).toEqual(
      (await market.dividends('AAPL'))!.filter(
        (x) => x.exDate >= range.from && x.exDate <= range.to,
      ),
    );
    expect(d.body.data!.company!.splits).toEqual(await market.splits('AAPL'));
  });

  it('refuses malformed dates, from after to, and ranges longer than the plan allows', async () => {
    const ask = (from: string, to: string) =>
      gql(
        server.url,
        `{ company(symbol: "AAPL") { history(from: "${from}", to: "${to}") { date } } }`,
        { apiKey },
      );
    for (const [from, to] of [
      ['2024-02-30', '2024-03-01'],
      ['yesterday', '2024-03-01'],
    ]) {
      const response = await ask(from, to);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0].message).toMatch(/Date/);
    }
    const reversed = await ask('2024-03-01', '2024-02-01');
    expect(codes(reversed)).toEqual(['BAD_USER_INPUT']);
    expect(reversed.body.errors![0].extensions).toMatchObject({
      argument: 'from',
      problem: 'after to',
    });
    // The demo account is on PRO: 3,660 days.
    const tooLong = await ask('2010-01-01', '2024-01-01');
    expect(codes(tooLong)).toEqual(['BAD_USER_INPUT']);
    expect(tooLong.body.errors![0].extensions).toMatchObject({
      problem: 'range too long',
      max: 3660,
    });
  });

  it('refuses a bad financials limit and a malformed benchmark', async () => {
    const limit = await gql(
      server.url,
      '{ company(symbol: "KO") { financials(limit: 9) { revenue } } }',
      { apiKey },
    );
    expect(codes(limit)).toEqual(['BAD_USER_INPUT']);
    expect(limit.body.errors![0].extensions).toMatchObject({ argument: 'limit', max: 8 });
    const benchmark = await gql(
      server.url,
      '{ company(symbol: "KO") { metrics(benchmark: "S P Y") { beta } } }',
      {
        apiKey,
      },
    );
    expect(codes(benchmark)).toEqual(['BAD_USER_INPUT']);
    expect(benchmark.body.errors![0].extensions).toMatchObject({ argument: 'benchmark' });
  });

  it('defaults history to the year before today', async () => {
    const response = await gql<{ company: { history: Array<{ date: string }> } }>(
      server.url,
      '{ company(symbol: "KO") { history { date } } }',
      { apiKey },
    );
    const dates = response.body.data!.company.history.map((b) => b.date);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
    expect(dates[0] >= yearAgo).toBe(true);
    expect(dates.length).toBeGreaterThan(240);
  });
});
