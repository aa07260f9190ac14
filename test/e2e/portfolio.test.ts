import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  CreatePortfolioDocument,
  ImportTransactionsDocument,
  LiveValuationDocument,
  PortfolioDocument,
  RegisterDocument,
  RenamePortfolioDocument,
  YieldflowClient,
  YieldflowRequestError,
  type LiveValuationSubscription,
} from '../../src/client';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { waitFor } from '../helpers/wait';
import { describeAnyMode } from '../helpers/any-mode';

describeAnyMode('a portfolio from CSV to performance, on `npm start`', () => {
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

  // The typed client (src/client) over the documents codegen made from examples/.
  const register = async (email: string) => {
    const anonymous = new YieldflowClient({ url: server.url });
    const { register } = await anonymous.request(RegisterDocument, {
      email,
      password: 'correct horse battery',
    });
    return new YieldflowClient({
      url: server.url,
      accessToken: register.accessToken,
      webSocketImpl: WebSocket,
    });
  };

  it('imports, values and measures it, and keeps it from everyone else', async () => {
    const owner = await register('owner@example.com');
    const stranger = await register('stranger@example.com');
    const { createPortfolio } = await owner.request(CreatePortfolioDocument, { name: 'Dividends' });
    const id = createPortfolio.id;
    const csv = [
      'date,type,symbol,quantity,price,fee,amount',
      '2023-01-03,DEPOSIT,,,,,20000',
      '2023-01-04,BUY,KO,100,60.25,4.95,',
      '2023-01-04,BUY,JNJ,40,175,4.95,',
      '2023-06-01,SELL,KO,25,62,4.95,',
      '2023-07-03,DIVIDEND,KO,,,,34.5',
    ].join('\n');
    const imported = await owner.request(ImportTransactionsDocument, { portfolioId: id, csv });
    expect(imported.importTransactions).toMatchObject({ imported: 5, skipped: 0 });

    const read = await owner.request(PortfolioDocument, { id, from: '2023-01-03' });
    const p = read.portfolio!;
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

    // Live value over graphql-ws, through the same client: first the valuation as read.
    const events: LiveValuationSubscription[] = [];
    const stop = owner.subscribe(
      LiveValuationDocument,
      { id, throttleMs: 0 },
      {
        next: (data) => events.push(data),
      },
    );
    await waitFor(() => events.length > 0, 10_000, 'the first valuation');
    expect(events[0].portfolioValuation.costBasis).toBeCloseTo(p.valuation.costBasis, 9);
    stop();
    await owner.close();

    const seen = await stranger.request(PortfolioDocument, { id });
    expect(seen.portfolio).toBeNull();
    const changed = await stranger
      .request(RenamePortfolioDocument, { id, name: 'mine now' })
      .catch((error: unknown) => error);
    expect(changed).toBeInstanceOf(YieldflowRequestError);
    expect((changed as YieldflowRequestError).code).toBe('NOT_FOUND');
  });
});
