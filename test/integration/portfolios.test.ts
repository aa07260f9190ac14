import {
  AddTransactionDocument,
  CreatePortfolioDocument,
  ImportTransactionsDocument,
  PortfolioDocument,
  PortfoliosDocument,
} from '../../src/generated/graphql';
import { MAX_CSV_LINE_LENGTH } from '../../src/domain/csv';
import { codes, execute, gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { testEnv } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

describe('portfolios', () => {
  let server: TestServer;
  let mine: { headers: Record<string, string> };
  let theirs: { headers: Record<string, string> };

  const signUp = async (email: string) => {
    const response = await gql<{ register: { accessToken: string } }>(
      server.url,
      'mutation($e: String!) { register(email: $e, password: "correct horse battery") { accessToken } }',
      { variables: { e: email } },
    );
    return { headers: { authorization: `Bearer ${response.body.data!.register.accessToken}` } };
  };
  const create = async (auth: typeof mine, name = 'Core') => {
    const response = await execute(server.url, CreatePortfolioDocument, {
      ...auth,
      variables: { name },
    });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createPortfolio.id;
  };
  const importCsv = (
    auth: typeof mine,
    portfolioId: string,
    csv: string,
    format = 'GENERIC',
    dryRun = false,
  ) =>
    execute(server.url, ImportTransactionsDocument, {
      ...auth,
      variables: { portfolioId, csv, format: format as 'GENERIC', dryRun },
    });

  beforeAll(async () => {
    // One account imports here many times a minute; importTransactions' own limit (10 a
    // minute by default) is not what this file tests: fields' own limits are admission.test.ts'.
    server = await startTestServer({
      FIELD_RATE_LIMITS: JSON.stringify({ importTransactions: { max: 1_000 } }),
    });
    mine = await signUp(`pf.${Date.now()}@example.com`);
    theirs = await signUp(`pf2.${Date.now()}@example.com`);
  });
  afterAll(() => server.close());

  it('imports a CSV and values it: FIFO holdings, one quote batch, valuation and performance', async () => {
    const id = await create(mine);
    const csv = [
      'date,type,symbol,quantity,price,fee,amount,ratio',
      '2024-01-02,DEPOSIT,,,,,10000,',
      '2024-01-03,BUY,KO,100,60,5,,',
      '2024-02-01,BUY,KO,50,62,5,,',
      '2024-03-01,SELL,KO,120,65,10,,',
      '2024-04-02,BUY,MSFT,10,400,0,,',
      '2024-05-01,DIVIDEND,KO,,,,14.5,',
      '2024-06-03,FEE,,,,,3,',
    ].join('\n');
    const result = await importCsv(mine, id, csv);
    expect(result.body.data!.importTransactions).toEqual({
      imported: 7,
      skipped: 0,
      dryRun: false,
      errors: [],
    });

    const response = await execute(server.url, PortfolioDocument, { ...mine, variables: { id } });
    expect(response.body.errors).toBeUndefined();
    const p = response.body.data!.portfolio!;
    const [ko, msft] = p.holdings;
    // KO: lot 1 100 @ (6000+5)/100, lot 2 50 @ (3100+5)/50; sell 120 takes lot 1 and 20 of lot 2.
    expect(ko).toMatchObject({
      symbol: 'KO',
      quantity: 30,
      costBasis: 30 * 62.1,
      averageCost: 62.1,
    });
    expect(msft).toMatchObject({ symbol: 'MSFT', quantity: 10, costBasis: 4000 });
    // The price this (FREE, so 15-minute delayed) caller is quoted: on a trading day the
    // simulator's price of now is another one.
    const seen = await gql<{ quote: { price: number; delayed: boolean } }>(
      server.url,
      'query { quote(symbol: "KO") { price delayed } }',
      mine,
    );
    expect(seen.body.data!.quote.delayed).toBe(true);
    expect(ko.marketValue).toBeCloseTo(30 * seen.body.data!.quote.price, 6);
    const v = p.valuation;
    // Realized: 120 × 65 − 10 − (6005 + 20 × 62.1) = 7790 − 7247 = 543.
    expect(v.realizedPnl).toBeCloseTo(543, 9);
    expect(v.dividendsReceived).toBe(14.5);
    // Cash: 10000 − 6005 − 3105 + 7790 − 4000 + 14.5 − 3 = 4691.5.
    expect(v.cash).toBeCloseTo(4691.5, 9);
    expect(v.totalReturn).toBeCloseTo(v.unrealizedPnl + 543 + 14.5 - 3, 9);
    expect(p.holdings.reduce((s, h) => s + h.weight!, 0)).toBeCloseTo(1, 12);
    expect(p.performance.flowBasis).toBe('DEPOSITS');
    expect(p.performance.netFlows).toBe(10000);
    expect(p.performance.timeWeightedReturn).not.toBeNull();
    expect(p.performance.moneyWeightedReturn).not.toBeNull();
    expect(p.transactions.nodes).toHaveLength(7);
    expect(p.transactions).toMatchObject({ totalCount: 7, pageInfo: { hasNextPage: false } });
    expect(p.allocation.reduce((s, a) => s + a.weight!, 0)).toBeCloseTo(1, 12);
    expect(p.risk.symbols).toEqual(['KO', 'MSFT']);
    expect(p.risk.correlations[0]![0]).toBeCloseTo(1, 12);
  });

  it('reports bad lines with their numbers, imports the rest atomically, and writes nothing on dryRun', async () => {
    const id = await create(mine, 'Checks');
    const csv = [
      'date,type,symbol,quantity,price',
      '2024-01-02,BUY,AAPL,10,150',
      '2024-01-03,BUY,NOSUCH,1,1', // unknown symbol
      '2024-01-04,BUY,AAPL,-1,150', // negative quantity
      '2099-01-01,BUY,AAPL,1,150', // future
      '2024-01-05,SELL,AAPL,11,160', // beyond the open 10
      '2024-13-01,BUY,AAPL,1,1', // not a date
      '2024-01-06,SWAP,AAPL,1,1', // unknown type
      '2024-01-07,SELL,AAPL,4,170',
    ].join('\n');
    const dry = (await importCsv(mine, id, csv, 'GENERIC', true)).body.data!.importTransactions;
    expect(dry.imported).toBe(2);
    expect(dry.skipped).toBe(6);
    expect(dry.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(dry.errors.find((e) => e.line === 6)!.message).toMatch(/only 10 are open/);
    const empty = await execute(server.url, PortfolioDocument, { ...mine, variables: { id } });
    expect(empty.body.data!.portfolio!.transactions.totalCount).toBe(0);
    const wet = (await importCsv(mine, id, csv)).body.data!.importTransactions;
    expect(wet.imported).toBe(2);
    const after = await execute(server.url, PortfolioDocument, { ...mine, variables: { id } });
    expect(after.body.data!.portfolio!.holdings[0]).toMatchObject({ symbol: 'AAPL', quantity: 6 });
    const missing = (await importCsv(mine, id, 'symbol,qty\nAAPL,1')).body.data!.importTransactions;
    expect(missing.errors[0].message).toMatch(/missing column/);
  });

  it('reads Zerodha tradebook and holdings exports', async () => {
    const id = await create(mine, 'India');
    const tradebook = [
      'symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,order_execution_time',
      'INFY,INE009A01021,2024-03-04,NSE,EQ,EQ,buy,false,10.000000,1650.500000,55001,1300000001,2024-03-04T10:01:02',
      'INFY,INE009A01021,2024-03-05,NSE,EQ,EQ,sell,false,4.000000,1680.000000,55002,1300000002,2024-03-05T11:02:03',
      'TCS,INE467B01029,05-03-2024,NSE,EQ,EQ,buy,false,2.000000,4100.000000,55003,1300000003,2024-03-05T12:00:00',
    ].join('\n');
    expect(
      (await importCsv(mine, id, tradebook, 'ZERODHA_TRADEBOOK')).body.data!.importTransactions,
    ).toMatchObject({
      imported: 3,
      errors: [],
    });
    const holdingsCsv = [
      'Instrument,Qty.,Avg. cost,LTP,Cur. val,P&L,Net chg.,Day chg.',
      '"HDFCBANK",5,1520.25,1600,8000,398.75,5.2,0.4',
    ].join('\n');
    expect(
      (await importCsv(mine, id, holdingsCsv, 'ZERODHA_HOLDINGS')).body.data!.importTransactions
        .imported,
    ).toBe(1);
    const response = await execute(server.url, PortfolioDocument, { ...mine, variables: { id } });
    expect(response.body.data!.portfolio!.holdings.map((h) => [h.symbol, h.quantity])).toEqual([
      ['HDFCBANK', 5],
      ['INFY', 6],
      ['TCS', 2],
    ]);
  });

  // Its speed (under 5 s, measured against Prisma's createMany) is in bench/import.ts.
  it('imports 10,000 lines in one go', async () => {
    const id = await create(mine, 'Big');
    const symbols = ['AAPL', 'MSFT', 'KO', 'PEP', 'JNJ'];
    const lines = ['date,type,symbol,quantity,price,fee'];
    for (let i = 0; i < 10_000; i += 1) {
      const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 5) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      lines.push(`${day},BUY,${symbols[i % 5]},1.5,${(100 + (i % 50)).toFixed(2)},0.1`);
    }
    const result = await importCsv(mine, id, lines.join('\n'));
    expect(result.body.data!.importTransactions).toMatchObject({ imported: 10_000, skipped: 0 });
    const rows = await server.db.database.prisma.transaction.findMany({
      where: { portfolioId: id },
      orderBy: [{ date: 'asc' }, { seq: 'asc' }],
    });
    expect(rows).toHaveLength(10_000);
    // Same-day entries keep the file's order; decimals are exact.
    expect(rows.slice(0, 5).map((r) => r.symbol)).toEqual(symbols);
    expect(rows[7].price!.toString()).toBe('107');
    expect(rows[0].fee.toString()).toBe('0.1');
  });

  it('refuses bad portfolio names, currencies and CSV syntax with BAD_USER_INPUT', async () => {
    const bad = async (mutation: string) =>
      codes(await gql(server.url, `mutation { ${mutation} }`, mine));
    expect(await bad('createPortfolio(name: "   ") { id }')).toEqual(['BAD_USER_INPUT']);
    expect(await bad('createPortfolio(name: "x", baseCurrency: "dollars") { id }')).toEqual([
      'BAD_USER_INPUT',
    ]);
    const id = await create(mine, 'Named');
    expect(await bad(`renamePortfolio(id: "${id}", name: "${'n'.repeat(101)}") { id }`)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const unterminated = await importCsv(mine, id, 'date,type,amount\n2024-01-02,DEPOSIT,"1');
    expect(codes(unterminated)).toEqual(['BAD_USER_INPUT']);
    expect(unterminated.body.errors![0].message).toMatch(/line 2: unterminated quoted field/);
  });

  it('refuses an over-long CSV line on dryRun with BAD_USER_INPUT naming the line, at once', async () => {
    const id = await create(mine, 'Long lines');
    const header = 'date,type,symbol,quantity,price,fee,amount,ratio,note';
    const long = `2024-01-02,DEPOSIT,,,,,100,,${'n'.repeat(MAX_CSV_LINE_LENGTH)}`;
    const refused = await importCsv(
      mine,
      id,
      `${header}\n2024-01-02,DEPOSIT,,,,,1,,\n${long}`,
      'GENERIC',
      true,
    );
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0].message).toBe(
      `csv: line 3: longer than ${MAX_CSV_LINE_LENGTH} characters`,
    );
    expect(refused.body.errors![0].extensions).toMatchObject({ argument: 'csv' });
    // A megabyte of quotes after text on one line, as a CSV upload: the shape that held
    // the old parser for minutes is refused as quickly as any other over-long line.
    const upload = await fetch(
      `${server.baseUrl}/import/transactions?portfolioId=${id}&dryRun=true`,
      {
        method: 'POST',
        headers: { ...mine.headers, 'content-type': 'text/csv' },
        body: `${header}\n${'a"'.repeat(512 * 1024)}`,
      },
    );
    const quotes = (await upload.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(quotes.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(quotes.errors![0].message).toMatch(/^csv: line 2: longer than/);
    const within = `2024-01-02,DEPOSIT,,,,,100,,${'n'.repeat(100)}`;
    const accepted = await importCsv(mine, id, `${header}\n${within}`, 'GENERIC', true);
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data!.importTransactions).toMatchObject({ dryRun: true, imported: 1 });
  });

  it('validates single entries and keeps the ledger consistent on delete', async () => {
    const id = await create(mine, 'Manual');
    const add = (input: Record<string, unknown>) =>
      execute(server.url, AddTransactionDocument, {
        ...mine,
        variables: { portfolioId: id, input: input as never },
      });
    const buy = await add({
      type: 'BUY',
      date: '2024-01-02',
      symbol: 'ko',
      quantity: '10',
      price: '60',
    });
    expect(buy.body.data!.addTransaction).toMatchObject({ symbol: 'KO', quantity: '10' });
    expect(
      codes(
        await add({ type: 'SELL', date: '2024-01-01', symbol: 'KO', quantity: '1', price: '60' }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await add({ type: 'BUY', date: '2024-01-02', symbol: 'NOSUCH', quantity: '1', price: '1' }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const sell = await add({
      type: 'SELL',
      date: '2024-02-01',
      symbol: 'KO',
      quantity: '10',
      price: '70',
    });
    expect(sell.body.errors).toBeUndefined();
    const deleteBuy = await gql(
      server.url,
      `mutation { deleteTransaction(id: "${buy.body.data!.addTransaction.id}") }`,
      mine,
    );
    expect(codes(deleteBuy)).toEqual(['BAD_USER_INPUT']);
    const deleteSell = await gql<{ deleteTransaction: boolean }>(
      server.url,
      `mutation { deleteTransaction(id: "${sell.body.data!.addTransaction.id}") }`,
      mine,
    );
    expect(deleteSell.body.data!.deleteTransaction).toBe(true);
  });

  it('lets nobody else see or change a portfolio: null or NOT_FOUND, never FORBIDDEN', async () => {
    const id = await create(mine, 'Private');
    const added = await execute(server.url, AddTransactionDocument, {
      ...mine,
      variables: {
        portfolioId: id,
        input: {
          type: 'BUY',
          date: '2024-01-02',
          symbol: 'KO',
          quantity: '1',
          price: '60',
        } as never,
      },
    });
    const txId = added.body.data!.addTransaction.id;
    expect(
      (await execute(server.url, PortfolioDocument, { ...theirs, variables: { id } })).body.data!
        .portfolio,
    ).toBeNull();
    expect((await execute(server.url, PortfoliosDocument, theirs)).body.data!.portfolios).toEqual(
      [],
    );
    const attempts = [
      `renamePortfolio(id: "${id}", name: "x") { id }`,
      `deletePortfolio(id: "${id}")`,
      `addTransaction(portfolioId: "${id}", input: { type: DEPOSIT, date: "2024-01-02", amount: "1" }) { id }`,
      `deleteTransaction(id: "${txId}")`,
      `importTransactions(portfolioId: "${id}", csv: "date,type,amount\\n2024-01-02,DEPOSIT,1") { imported }`,
    ];
    for (const mutation of attempts) {
      expect(codes(await gql(server.url, `mutation { ${mutation} }`, theirs))).toEqual([
        'NOT_FOUND',
      ]);
    }
    // And mine is untouched.
    const still = await execute(server.url, PortfolioDocument, { ...mine, variables: { id } });
    expect(still.body.errors).toBeUndefined();
    expect(still.body.data!.portfolio).toMatchObject({ name: 'Private' });
    expect(still.body.data!.portfolio!.transactions.nodes).toHaveLength(1);
  });

  /** Name and holdings of a portfolio as `auth` reads it on `url`. */
  const read = async (
    url: string,
    auth: { apiKey?: string; headers?: Record<string, string> },
    id: string,
  ) => {
    const response = await gql<{
      portfolio: { name: string; holdings: Array<{ symbol: string; quantity: number }> } | null;
    }>(url, 'query($id: ID!) { portfolio(id: $id) { name holdings { symbol quantity } } }', {
      ...auth,
      variables: { id },
    });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.portfolio;
  };
  const buy = (
    url: string,
    auth: { apiKey?: string; headers?: Record<string, string> },
    id: string,
    symbol: string,
  ) =>
    gql(
      url,
      `mutation($id: ID!) { addTransaction(portfolioId: $id, input: { type: BUY, date: "2024-03-01", symbol: "${symbol}", quantity: "5", price: "10" }) { id } }`,
      { ...auth, variables: { id } },
    );

  it('reads its own changes at once: the cached ledger is dropped by every change', async () => {
    const id = await create(mine, 'Cached');
    expect(await read(server.url, mine, id)).toEqual({ name: 'Cached', holdings: [] });
    await buy(server.url, mine, id, 'KO');
    expect((await read(server.url, mine, id))!.holdings).toEqual([{ symbol: 'KO', quantity: 5 }]);
    await gql(
      server.url,
      `mutation { renamePortfolio(id: "${id}", name: "Renamed") { id } }`,
      mine,
    );
    expect((await read(server.url, mine, id))!.name).toBe('Renamed');
    await gql(server.url, `mutation { deletePortfolio(id: "${id}") }`, mine);
    expect(await read(server.url, mine, id)).toBeNull();
  });

  (testEnv.databaseUrl && testEnv.redisUrl ? it : it.skip)(
    'shows a change made on another replica at once, not when its cached ledger expires',
    async () => {
      const replica = await startTestServer({ SEED_DEMO: 'false' }, { replicaOf: server });
      try {
        // API keys live in the shared database, so one key works on both replicas.
        const key = await gql<{ createApiKey: { secret: string } }>(
          server.url,
          'mutation { createApiKey(name: "replicas") { secret } }',
          mine,
        );
        const auth = { apiKey: key.body.data!.createApiKey.secret };
        const id = await create(mine, 'Shared');
        await buy(server.url, auth, id, 'KO');
        expect((await read(replica.url, auth, id))!.holdings).toHaveLength(1); // now cached there
        await buy(server.url, auth, id, 'PEP');
        // The cached ledger lives 10 s; the bus brings the change in milliseconds.
        await waitFor(
          async () => (await read(replica.url, auth, id))!.holdings.length === 2,
          2_000,
          'the change on the replica',
        );
      } finally {
        await replica.close();
      }
    },
  );
});
