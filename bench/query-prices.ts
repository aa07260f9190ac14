/**
 * Query-price bench: searches generated documents for the slowest operation that FREE's
 * and PRO's query-cost budgets still allow, on a portfolio of 10,000 transactions over
 * ten years, and prints its time against a baseline measured in the same run (the same
 * request path answering `portfolio { name }`). Documents come from the schema itself
 * (bench/document-generator.ts): random selections of Portfolio (and the companies of
 * its holdings), with arguments drawn from the ledger's dates and symbols, aliased
 * copies of the costliest fields, and a greedy climb from the slowest ones found.
 *
 *   npm run bench:prices -- [--transactions 10000] [--samples 120] [--seed 7]
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse, type GraphQLObjectType } from 'graphql';
import type { PlanName } from '../src/domain/plans';
import { priceOperation } from '../src/server/query-cost';
import { buildYieldflowSchema } from '../src/schema/build-schema';
import { DocumentGenerator, randomSource } from './document-generator';
import { graphql, startBenchGateway } from './gateway';

const { values } = parseArgs({
  options: {
    transactions: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '120' },
    seed: { type: 'string', default: '7' },
  },
});
const TRANSACTIONS = Number(values.transactions);
const SAMPLES = Number(values.samples);
const GOAL_MS = 1_000;

const SYMBOLS = [
  'AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'MA', 'JNJ', 'UNH',
  'LLY', 'PFE', 'MRK', 'ABBV', 'PG', 'KO', 'PEP', 'WMT', 'COST', 'HD', 'MCD', 'NKE', 'SBUX',
  'DIS', 'NFLX', 'CMCSA', 'VZ', 'T', 'XOM', 'CVX', 'INTC', 'AMD', 'CSCO', 'ORCL', 'CRM',
  'ADBE', 'IBM', 'QCOM',
]; // prettier-ignore

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** 10 years of weekday entries: a deposit, then buys, some sells of half a lot, dividends. */
function ledgerCsv(count: number): { csv: string; dates: string[] } {
  const random = randomSource(1);
  const end = Date.parse(isoDay(Date.now())) - 86_400_000;
  const start = end - 3_650 * 86_400_000;
  const lines = [
    'date,type,symbol,quantity,price,fee,amount',
    `${isoDay(start)},DEPOSIT,,,,,100000000`,
  ];
  const open = new Map<string, number>();
  const dates: string[] = [];
  for (let i = 1; i < count; i += 1) {
    let time = start + Math.floor(((end - start) * i) / count);
    while ([0, 6].includes(new Date(time).getUTCDay())) time += 86_400_000;
    const date = isoDay(time);
    dates.push(date);
    const symbol = SYMBOLS[Math.floor(random() * SYMBOLS.length)];
    const held = open.get(symbol) ?? 0;
    const roll = random();
    if (roll < 0.15 && held >= 2) {
      const quantity = Math.floor(held / 2);
      open.set(symbol, held - quantity);
      lines.push(`${date},SELL,${symbol},${quantity},100,1,`);
    } else if (roll < 0.2 && held > 0) {
      lines.push(`${date},DIVIDEND,${symbol},,,,${(held * 0.25).toFixed(2)}`);
    } else {
      const quantity = 1 + Math.floor(random() * 20);
      open.set(symbol, held + quantity);
      lines.push(`${date},BUY,${symbol},${quantity},100,1,`);
    }
  }
  return { csv: lines.join('\n'), dates };
}

interface Timed {
  document: string;
  cost: number;
  ms: number;
}

async function main(): Promise<void> {
  const { app, dataDir } = await startBenchGateway({
    MAX_IMPORT_BYTES: String(64 * 1024 * 1024),
    // The search sends hundreds of requests: lift the per-minute limits, not the cost.
    PLANS:
      '{"FREE":{"requestsPerMinute":100000,"requestsPerDay":null},"PRO":{"requestsPerMinute":100000,"requestsPerDay":null}}',
  });
  try {
    const email = `prices.${Date.now()}@example.com`;
    const { register } = await graphql<{ register: { accessToken: string } }>(
      app.url,
      `mutation { register(email: "${email}", password: "bench correct horse battery") { accessToken } }`,
    );
    const auth = { authorization: `Bearer ${register.accessToken}` };
    const { createPortfolio } = await graphql<{ createPortfolio: { id: string } }>(
      app.url,
      'mutation { createPortfolio(name: "Ten thousand") { id } }',
      auth,
    );
    const id = createPortfolio.id;
    const { csv, dates } = ledgerCsv(TRANSACTIONS);
    const upload = await fetch(
      `${app.url.replace(/\/graphql$/, '')}/import/transactions?portfolioId=${id}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/csv', ...auth },
        body: csv,
      },
    );
    const imported = (await upload.json()) as {
      data?: { importTransactions: { imported: number; errors: unknown[] } };
    };
    const result = imported.data?.importTransactions;
    if (!result || result.imported !== TRANSACTIONS) {
      throw new Error(`import failed: ${JSON.stringify(imported).slice(0, 500)}`);
    }
    console.log(
      `portfolio: ${TRANSACTIONS} transactions, ${SYMBOLS.length} symbols, ${dates[0]}..${dates[dates.length - 1]}`,
    );

    const schema = await buildYieldflowSchema();
    const portfolioType = schema.getType('Portfolio') as GraphQLObjectType;
    const sizes = await app.services.ledgerSizes.sizesOf(
      {
        userId: (await app.database.prisma.user.findUniqueOrThrow({ where: { email } })).id,
      } as never,
      [id],
    );
    const today = isoDay(Date.now());
    const costOf = (document: string) =>
      priceOperation(schema, parse(document), undefined, { id }, { sizes, today }).cost;

    let refused = 0;
    const run = async (document: string): Promise<number> => {
      const started = performance.now();
      const response = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ query: document, variables: { id } }),
      });
      const body = (await response.json()) as { errors?: Array<{ message: string }> };
      const ms = performance.now() - started;
      // Arguments the generator drew badly (from after to): not an allowed operation.
      if (body.errors) {
        refused += 1;
        return -1;
      }
      return ms;
    };
    /** The second of two runs: the first warms the market cache (cold loads are once a process). */
    const time = async (document: string) => ((await run(document)) < 0 ? -1 : run(document));

    const baselineDocument = 'query($id: ID!) { portfolio(id: $id) { name } }';
    for (let i = 0; i < 5; i += 1) await run(baselineDocument);
    const baselines: number[] = [];
    for (let i = 0; i < 20; i += 1) baselines.push(await run(baselineDocument));
    const baseline = baselines.sort((a, b) => a - b)[10];

    // What each priced field costs alone, and its time: the prices' calibration.
    const median = async (document: string) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i += 1) times.push(await run(document));
      return times.sort((a, b) => a - b)[1];
    };
    console.log('field alone (median of 3)                      cost    ms   ms/cost');
    for (const field of [
      'performance { timeWeightedReturn }',
      `performance(from: "${dates[dates.length - 1]}") { timeWeightedReturn }`,
      'risk { correlations }',
      'holdings { symbol marketValue }',
      'valuation { marketValue }',
      'allocation(by: SECTOR) { key weight }',
      'income { forwardAnnualIncome }',
      'transactions(first: 500) { nodes { id price } }',
    ]) {
      const document = `query($id: ID!) { portfolio(id: $id) { ${field} } }`;
      const cost = costOf(document);
      const ms = await median(document);
      console.log(
        `  ${field.slice(0, 44).padEnd(44)} ${String(cost).padStart(5)} ${ms.toFixed(0).padStart(5)}  ${(ms / cost).toFixed(2).padStart(6)}`,
      );
    }

    const pools = {
      dates: [dates[0], dates[Math.floor(dates.length / 2)], dates[dates.length - 1], today],
      symbols: SYMBOLS.slice(0, 10),
      ints: { first: [1, 100, 500], limit: [1, 4, 5] },
    };
    for (const plan of ['FREE', 'PRO'] as PlanName[]) {
      await app.database.prisma.user.update({ where: { email }, data: { plan } });
      const budget = app.services.plans[plan].maxQueryCost;
      const generator = new DocumentGenerator(randomSource(Number(values.seed)), pools);
      const wrap = (fields: string) => `query($id: ID!) { portfolio(id: $id) { ${fields} } }`;
      const found: Timed[] = [];
      refused = 0;
      const consider = async (fields: string, whole = false) => {
        const document = whole ? fields : wrap(fields);
        const cost = costOf(document);
        if (cost > budget) return;
        const ms = await time(document);
        if (ms >= 0) found.push({ document, cost, ms });
      };
      for (let i = 0; i < SAMPLES; i += 1) {
        const selection = generator.selection(portfolioType, 2);
        // As many aliased copies as the budget allows (at most the alias limit).
        const each = costOf(wrap(selection)) - 1;
        const copies = Math.max(1, Math.min(20, Math.floor((budget - 1) / Math.max(1, each))));
        const aliased =
          copies === 1
            ? selection
            : Array.from(
                { length: copies },
                (_, k) => `a${k}: portfolio(id: $id) { ${selection} }`,
              ).join(' ');
        if (copies === 1) await consider(selection);
        else {
          const document = `query($id: ID!) { ${aliased} }`;
          const cost = costOf(document);
          if (cost <= budget) await consider(document, true);
        }
      }
      // Aliased copies whose arguments differ, so that no copy reuses another's work.
      for (const field of ['performance', 'transactions']) {
        const copies = Array.from({ length: 20 }, (_, k) =>
          field === 'performance'
            ? `a${k}: performance(from: ${JSON.stringify(dates[k * 10])}) { timeWeightedReturn }`
            : `a${k}: transactions(first: 500, after: null) { nodes { id date symbol quantity price } }`,
        );
        while (copies.length > 0 && costOf(wrap(copies.join(' '))) > budget) copies.pop();
        if (copies.length > 0) await consider(copies.join(' '));
      }
      // Greedy climb: the slowest few, with one more field of the type added while it fits.
      found.sort((a, b) => b.ms - a.ms);
      for (const start of found.slice(0, 5)) {
        for (const field of [
          'performance { timeWeightedReturn moneyWeightedReturn }',
          'risk { correlations }',
          'holdings { symbol marketValue company { name } }',
          'transactions(first: 500) { nodes { id price } }',
        ]) {
          const document = start.document.replace(/\} \}$/, `x${found.length}: ${field} } }`);
          if (document === start.document) continue;
          const cost = costOf(document);
          if (cost <= budget) await consider(document, true);
        }
      }
      found.sort((a, b) => b.ms - a.ms);
      const slowest = found[0];
      console.log(
        `${plan} (budget ${budget}): ${found.length} allowed documents timed (${refused} refused as bad input); slowest ${slowest.ms.toFixed(0)} ms (cost ${slowest.cost}), ` +
          `${(slowest.ms / baseline).toFixed(1)}x the baseline's ${baseline.toFixed(1)} ms; goal under ${GOAL_MS} ms: ${slowest.ms < GOAL_MS ? 'met' : 'NOT met'}`,
      );
      console.log(
        `  ${slowest.document.length > 400 ? `${slowest.document.slice(0, 400)}…` : slowest.document}`,
      );
    }
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
