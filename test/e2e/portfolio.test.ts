import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import {
  CreatePortfolioDocument,
  ImportTransactionsDocument,
  PortfolioDocument,
  RegisterDocument,
  type CreatePortfolioMutation,
  type ImportTransactionsMutation,
  type PortfolioQuery,
  type RegisterMutation,
} from '../../src/generated/graphql';
import { codes, gql } from '../helpers/graphql';
import { spawnServer, type ServerProcess } from '../helpers/process';

describe('a portfolio from CSV to performance, on `npm start`', () => {
  let server: ServerProcess;
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-portfolio-'));
    server = await spawnServer({ cwd, env: { PORT: '0', PATH: process.env.PATH ?? '' } });
  }, 60_000);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(cwd, { recursive: true, force: true });
  });

  const register = async (email: string) => {
    const response = await gql<RegisterMutation>(server.url, print(RegisterDocument), {
      variables: { email, password: 'correct horse battery' },
    });
    return { headers: { authorization: `Bearer ${response.body.data!.register.accessToken}` } };
  };

  it('imports, values and measures it, and keeps it from everyone else', async () => {
    const owner = await register('owner@example.com');
    const stranger = await register('stranger@example.com');
    const created = await gql<CreatePortfolioMutation>(server.url, print(CreatePortfolioDocument), {
      ...owner,
      variables: { name: 'Dividends' },
    });
    const id = created.body.data!.createPortfolio.id;
    const csv = [
      'date,type,symbol,quantity,price,fee,amount',
      '2023-01-03,DEPOSIT,,,,,20000',
      '2023-01-04,BUY,KO,100,60.25,4.95,',
      '2023-01-04,BUY,JNJ,40,175,4.95,',
      '2023-06-01,SELL,KO,25,62,4.95,',
      '2023-07-03,DIVIDEND,KO,,,,34.5',
    ].join('\n');
    const imported = await gql<ImportTransactionsMutation>(
      server.url,
      print(ImportTransactionsDocument),
      {
        ...owner,
        variables: { portfolioId: id, csv },
      },
    );
    expect(imported.body.data!.importTransactions).toMatchObject({ imported: 5, skipped: 0 });

    const read = await gql<PortfolioQuery>(server.url, print(PortfolioDocument), {
      ...owner,
      variables: { id, from: '2023-01-03' },
    });
    expect(read.body.errors).toBeUndefined();
    const p = read.body.data!.portfolio!;
    expect(p.holdings.map((h) => [h.symbol, h.quantity])).toEqual([
      ['JNJ', 40],
      ['KO', 75],
    ]);
    // KO: 100 @ (6025 + 4.95); 25 sold for 1550 − 4.95 against 25 × 60.2995.
    expect(p.valuation.realizedPnl).toBeCloseTo(1545.05 - 25 * 60.2995, 9);
    expect(p.valuation.dividendsReceived).toBe(34.5);
    expect(p.valuation.cash).toBeCloseTo(20000 - 6029.95 - 7004.95 + 1545.05 + 34.5, 9);
    expect(p.performance).toMatchObject({
      from: '2023-01-03',
      flowBasis: 'DEPOSITS',
      netFlows: 20000,
    });
    expect(p.performance.timeWeightedReturn).toEqual(expect.any(Number));
    expect(p.performance.moneyWeightedReturn).toEqual(expect.any(Number));

    const seen = await gql<PortfolioQuery>(server.url, print(PortfolioDocument), {
      ...stranger,
      variables: { id },
    });
    expect(seen.body.data!.portfolio).toBeNull();
    const changed = await gql(
      server.url,
      `mutation { renamePortfolio(id: "${id}", name: "mine now") { id } }`,
      stranger,
    );
    expect(codes(changed)).toEqual(['NOT_FOUND']);
  });
});
