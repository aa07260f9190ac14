/**
 * Import bench: a 10,000-line GENERIC CSV through `importTransactions` over HTTP (parse,
 * validate, known-symbol check, ledger replay, one INSERT … unnest), against a baseline
 * measured in the same run: writing the same 10,000 rows with Prisma's createMany and
 * nothing else. Uses DATABASE_URL when set, else an embedded PGlite in a temporary dir.
 *
 *   npm run bench:import -- [--lines 10000] [--runs 3]
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { startApp } from '../src/server/app';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);

async function post(
  url: string,
  apiKey: string,
  query: string,
  variables: Record<string, unknown>,
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, { id?: string; imported?: number }>;
    errors?: unknown;
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yf-bench-import-'));
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
    NODE_ENV: 'development',
  });
  const app = await startApp({ config, logger: pino({ level: 'warn' }) });
  try {
    const apiKey = app.demo!.apiKey;
    const symbols = ['AAPL', 'MSFT', 'KO', 'PEP', 'JNJ'];
    const rows = Array.from({ length: LINES }, (_, i) => ({
      date: new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 5) * 86_400_000)
        .toISOString()
        .slice(0, 10),
      symbol: symbols[i % 5],
      price: (100 + (i % 50)).toFixed(2),
    }));
    const csv = [
      'date,type,symbol,quantity,price,fee',
      ...rows.map((r) => `${r.date},BUY,${r.symbol},1.5,${r.price},0.1`),
    ].join('\n');
    const importMs: number[] = [];
    const baselineMs: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const created = await post(
        app.url,
        apiKey,
        'mutation { createPortfolio(name: "bench") { id } }',
        {},
      );
      const id = created.data!.createPortfolio.id!;
      let started = performance.now();
      const result = await post(
        app.url,
        apiKey,
        'mutation($id: ID!, $csv: String!) { importTransactions(portfolioId: $id, csv: $csv) { imported } }',
        { id, csv },
      );
      importMs.push(performance.now() - started);
      if (result.data?.importTransactions.imported !== LINES)
        throw new Error(`import failed: ${JSON.stringify(result).slice(0, 300)}`);

      const baseline = await post(
        app.url,
        apiKey,
        'mutation { createPortfolio(name: "baseline") { id } }',
        {},
      );
      const baselineId = baseline.data!.createPortfolio.id!;
      started = performance.now();
      await app.database.prisma.transaction.createMany({
        data: rows.map((r) => ({
          portfolioId: baselineId,
          type: 'BUY' as const,
          date: new Date(`${r.date}T00:00:00Z`),
          symbol: r.symbol,
          quantity: '1.5',
          price: r.price,
          fee: '0.1',
        })),
      });
      baselineMs.push(performance.now() - started);
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const imp = median(importMs);
    const base = median(baselineMs);
    console.log(`import bench: ${LINES} lines, ${RUNS} runs, database ${app.database.kind}`);
    console.log(
      `  importTransactions (HTTP, validated, replayed, written): median ${imp.toFixed(0)} ms  [${importMs.map((m) => m.toFixed(0)).join(', ')}]`,
    );
    console.log(
      `  baseline Prisma createMany of the same rows only:       median ${base.toFixed(0)} ms  [${baselineMs.map((m) => m.toFixed(0)).join(', ')}]`,
    );
    console.log(
      `  ratio import / baseline: ${(imp / base).toFixed(2)}   goal: import under 5,000 ms -> ${imp < 5_000 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
