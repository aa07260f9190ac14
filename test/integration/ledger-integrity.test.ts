import { accountKey } from '../fixtures/account-key';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';
import { liveClient } from '../helpers/live-client';
import { startTestServer, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

/**
 * The ledger's rules hold under concurrency (checked inside the database transaction
 * that writes, under the portfolio's row lock), and a stored ledger that no longer
 * replays is reported as such.
 */
describe('ledger integrity', () => {
  let server: TestServer;
  let apiKey: string;

  const call = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
    gql<T>(server.url, query, { apiKey, variables });
  const createPortfolio = async (name: string) => {
    const created = await call<{ createPortfolio: { id: string } }>(
      'mutation($n: String!) { createPortfolio(name: $n) { id } }',
      { n: name },
    );
    expect(created.body.errors).toBeUndefined();
    return created.body.data!.createPortfolio.id;
  };
  const add = (portfolioId: string, input: Record<string, unknown>) =>
    call<{ addTransaction: { id: string } }>(
      'mutation($p: ID!, $i: TransactionInput!) { addTransaction(portfolioId: $p, input: $i) { id } }',
      { p: portfolioId, i: input },
    );
  const stored = (portfolioId: string) =>
    server.app.database.prisma.transaction.findMany({
      where: { portfolioId },
      orderBy: [{ date: 'asc' }, { seq: 'asc' }],
    });
  /** Inserts a row behind the API's back, as a manual fix in the database would. */
  const insertRaw = (portfolioId: string, row: Record<string, unknown>) =>
    server.app.database.prisma.transaction.create({
      data: {
        portfolioId,
        fee: '0',
        ...row,
        date: new Date(`${String(row.date)}T00:00:00Z`),
      } as never,
    });
  const outcome = (response: GraphQLResponse) =>
    response.body.errors ? String(codes(response)[0]) : 'ok';

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = await accountKey(server);
  });
  afterAll(() => server.close());

  it('lets one of ten concurrent sells of the same last shares pass', async () => {
    const id = await createPortfolio('Race');
    expect(
      outcome(
        await add(id, { type: 'BUY', date: '2024-01-02', symbol: 'KO', quantity: 10, price: 60 }),
      ),
    ).toBe('ok');

    const sells = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        add(id, {
          type: 'SELL',
          date: `2024-02-${String(i + 1).padStart(2, '0')}`,
          symbol: 'KO',
          quantity: 10,
          price: 61,
        }),
      ),
    );
    const outcomes = sells.map(outcome).sort();
    expect(outcomes).toEqual(
      ['BAD_USER_INPUT', ...Array(9).fill('BAD_USER_INPUT')].fill('ok', 0, 1).sort(),
    );
    for (const refused of sells.filter((s) => s.body.errors)) {
      expect(refused.body.errors![0].message).toMatch(/sells 10 KO but only 0 are open/);
    }
    const rows = await stored(id);
    expect(rows.map((r) => r.type)).toEqual(['BUY', 'SELL']);
  });

  it('lets a delete of the buy and a sell that needs it not both pass', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await createPortfolio(`Delete race ${round}`);
      const buy = await add(id, {
        type: 'BUY',
        date: '2024-01-02',
        symbol: 'KO',
        quantity: 5,
        price: 60,
      });
      const buyId = buy.body.data!.addTransaction.id;
      const [deleted, sold] = await Promise.all([
        call('mutation($t: ID!) { deleteTransaction(id: $t) }', { t: buyId }),
        add(id, { type: 'SELL', date: '2024-03-01', symbol: 'KO', quantity: 5, price: 61 }),
      ]);
      // Whichever came first under the lock wins; the other is refused.
      expect([outcome(deleted), outcome(sold)].sort()).toEqual(['BAD_USER_INPUT', 'ok']);
      const types = (await stored(id)).map((r) => r.type);
      expect(types).toEqual(outcome(sold) === 'ok' ? ['BUY', 'SELL'] : []);
    }
  });

  it('lets an import and a sell that take the same shares not both pass', async () => {
    const id = await createPortfolio('Import race');
    await add(id, { type: 'BUY', date: '2024-01-02', symbol: 'KO', quantity: 8, price: 60 });
    const [imported, sold] = await Promise.all([
      call<{ importTransactions: { imported: number; skipped: number } }>(
        'mutation($p: ID!, $csv: String!) { importTransactions(portfolioId: $p, csv: $csv) { imported skipped } }',
        { p: id, csv: 'date,type,symbol,quantity,price\n2024-02-01,SELL,KO,8,62' },
      ),
      add(id, { type: 'SELL', date: '2024-02-02', symbol: 'KO', quantity: 8, price: 63 }),
    ]);
    expect(imported.body.errors).toBeUndefined();
    const importedOne = imported.body.data!.importTransactions.imported === 1;
    expect(outcome(sold)).toBe(importedOne ? 'BAD_USER_INPUT' : 'ok');
    const sells = (await stored(id)).filter((r) => r.type === 'SELL');
    expect(sells).toHaveLength(1);
  });

  it('refuses an imported sell that would take the shares of a later sell already stored', async () => {
    const id = await createPortfolio('Import later sell');
    await add(id, { type: 'BUY', date: '2024-01-02', symbol: 'KO', quantity: 10, price: 60 });
    await add(id, { type: 'SELL', date: '2024-03-01', symbol: 'KO', quantity: 10, price: 65 });
    const csv = [
      'date,type,symbol,quantity,price,amount',
      '2024-02-01,SELL,KO,5,62,', // would leave the stored March sell 5 short
      '2024-02-02,DEPOSIT,,,,100',
      '2024-02-03,BUY,PEP,1,150,',
    ].join('\n');
    const response = await call<{
      importTransactions: { imported: number; errors: Array<{ line: number; message: string }> };
    }>(
      'mutation($p: ID!, $csv: String!) { importTransactions(portfolioId: $p, csv: $csv) { imported errors { line message } } }',
      { p: id, csv },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.importTransactions).toEqual({
      imported: 2,
      errors: [
        {
          line: 2,
          message:
            'would leave the sell of 10 KO on 2024-03-01, already in the ledger, beyond the open quantity',
        },
      ],
    });
    expect((await stored(id)).map((r) => r.type)).toEqual(['BUY', 'DEPOSIT', 'BUY', 'SELL']);
  });

  it('reports a stored ledger that no longer replays, and lets it be mended', async () => {
    const id = await createPortfolio('Broken');
    await add(id, { type: 'BUY', date: '2024-01-02', symbol: 'KO', quantity: 10, price: 60 });
    // A manual edit: a sell of more than is open, which the API would have refused.
    const bad = await insertRaw(id, {
      type: 'SELL',
      date: '2024-02-01',
      symbol: 'KO',
      quantity: '15',
      price: '62',
    });

    // The rows and the problem read as usual...
    const read = await call<{
      portfolio: {
        transactions: { totalCount: number };
        ledgerProblem: { transactionId: string; date: string; message: string } | null;
      };
    }>(
      'query($id: ID!) { portfolio(id: $id) { transactions { totalCount } ledgerProblem { transactionId date message } } }',
      { id },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.portfolio).toEqual({
      transactions: { totalCount: 2 },
      ledgerProblem: {
        transactionId: bad.id,
        date: '2024-02-01',
        message: 'sells 15 KO but only 10 are open on 2024-02-01',
      },
    });
    // ...and every figure computed from the ledger says why it cannot be, never a 500.
    for (const field of [
      'valuation { marketValue }',
      'holdings { symbol }',
      'performance { endValue }',
      'allocation { key }',
      'income { dividendsReceived }',
      'risk { beta }',
    ]) {
      const figures = await call(`query($id: ID!) { portfolio(id: $id) { ${field} } }`, { id });
      expect([field, figures.status]).toEqual([field, 400]);
      expect(figures.body.errors!.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([
        ['BAD_USER_INPUT', 'LEDGER_DOES_NOT_REPLAY'],
      ]);
      expect(figures.body.errors![0].message).toMatch(
        new RegExp(`does not replay at transaction ${bad.id} \\(2024-02-01\\): sells 15 KO`),
      );
    }

    // A live valuation of it is refused the same way.
    const live = liveClient(server.url, { apiKey });
    try {
      const valuation = live.subscribe(
        'subscription($id: ID!) { portfolioValuation(id: $id) { marketValue } }',
        { id },
      );
      await waitFor(() => valuation.errors.length > 0, 10_000, 'the subscription refused');
      expect(valuation.events).toEqual([]);
      expect(valuation.errors.map((e) => e.extensions?.reason)).toEqual(['LEDGER_DOES_NOT_REPLAY']);
    } finally {
      await live.dispose();
    }

    // An entry that does not mend it is told what is wrong with the stored ledger.
    const unrelated = await add(id, { type: 'DEPOSIT', date: '2024-01-05', amount: 100 });
    expect(codes(unrelated)).toEqual(['BAD_USER_INPUT']);
    expect(unrelated.body.errors![0].extensions?.reason).toBe('LEDGER_DOES_NOT_REPLAY');
    const importing = await call(
      'mutation($p: ID!, $csv: String!) { importTransactions(portfolioId: $p, csv: $csv) { imported } }',
      { p: id, csv: 'date,type,amount\n2024-01-05,DEPOSIT,100' },
    );
    expect(importing.body.errors?.[0].extensions?.reason).toBe('LEDGER_DOES_NOT_REPLAY');
    expect(await stored(id)).toHaveLength(2);

    // The missing buy before the sell mends it.
    const mend = await add(id, {
      type: 'BUY',
      date: '2024-01-20',
      symbol: 'KO',
      quantity: 5,
      price: 61,
    });
    expect(mend.body.errors).toBeUndefined();
    const after = await call<{ portfolio: { ledgerProblem: unknown; holdings: unknown[] } }>(
      'query($id: ID!) { portfolio(id: $id) { ledgerProblem { message } holdings { symbol } } }',
      { id },
    );
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data!.portfolio).toEqual({ ledgerProblem: null, holdings: [] });
  });

  it('reports a stored entry that is malformed, and lets it be deleted', async () => {
    const id = await createPortfolio('Malformed');
    await add(id, { type: 'DEPOSIT', date: '2024-01-02', amount: 100 });
    const bad = await insertRaw(id, {
      type: 'BUY',
      date: '2024-01-03',
      symbol: 'KO',
      quantity: '1',
      price: null,
    });
    const read = await call<{ portfolio: { ledgerProblem: { message: string } | null } }>(
      'query($id: ID!) { portfolio(id: $id) { ledgerProblem { message } } }',
      { id },
    );
    expect(read.body.data!.portfolio.ledgerProblem).toEqual({ message: 'price must be positive' });
    const valuation = await call('query($id: ID!) { portfolio(id: $id) { valuation { cash } } }', {
      id,
    });
    expect(valuation.body.errors![0].extensions?.reason).toBe('LEDGER_DOES_NOT_REPLAY');

    const deleted = await call('mutation($t: ID!) { deleteTransaction(id: $t) }', { t: bad.id });
    expect(deleted.body.errors).toBeUndefined();
    const after = await call<{
      portfolio: { ledgerProblem: unknown; valuation: { cash: number } };
    }>('query($id: ID!) { portfolio(id: $id) { ledgerProblem { message } valuation { cash } } }', {
      id,
    });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data!.portfolio).toEqual({ ledgerProblem: null, valuation: { cash: 100 } });
  });
});
