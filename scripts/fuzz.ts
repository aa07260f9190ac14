/**
 * A long fuzzing campaign against an in-process gateway (embedded database, in-process
 * cache): `npm run fuzz -- --runs 20000 [--seed 1234]`. Without --seed the seed is
 * random; it is printed first, and a failure prints the counterexample and the
 * `--seed` / `--path` that replay it. The suite runs the same property with a fixed
 * seed (test/integration/fuzz.test.ts).
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { Writable } from 'node:stream';
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { buildYieldflowSchema } from '../src/schema/build-schema';
import { startApp } from '../src/server/app';
import { freeApiKey, FuzzTarget } from './fuzz/fuzz-target';
import { gatewayProperty, type Tally } from './fuzz/gateway-property';

interface Options {
  runs: number;
  seed: number;
  path?: string;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(value('--runs') ?? 1_000);
  const seed = Number(value('--seed') ?? (Math.random() * 2 ** 31) | 0);
  if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error('--runs takes a positive integer');
  if (!Number.isSafeInteger(seed)) throw new Error('--seed takes an integer');
  return { runs, seed, path: value('--path') };
}

async function main(options: Options): Promise<number> {
  process.stdout.write(`fuzzing with --seed ${options.seed} --runs ${options.runs}\n`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yf-fuzz-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    // The campaign is about answers, not the rate limit: FREE without request limits.
    PLANS: JSON.stringify({ FREE: { requestsPerMinute: 1_000_000, requestsPerDay: null } }),
  });
  // Only errors, each of them a finding: the gateway logs what it did not expect.
  let errorsLogged = 0;
  const errorLog = new Writable({
    write(chunk: Buffer, _encoding, done) {
      errorsLogged += chunk.toString('utf8').split('\n').filter(Boolean).length;
      process.stderr.write(chunk, done);
    },
  });
  const app = await startApp({ config, logger: pino({ level: 'error' }, errorLog) });
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const target = new FuzzTarget({ url: app.url, apiKey: await freeApiKey(app.url, 'fuzz') });
  const tally: Tally = new Map();
  try {
    const schema = await buildYieldflowSchema();
    const details = await fc.check(
      gatewayProperty(schema, { url: app.url, baseUrl, apiKey: '' }, target, tally),
      { seed: options.seed, numRuns: options.runs, path: options.path },
    );
    const outcomes = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
    process.stdout.write(`${outcomes.map(([k, n]) => `  ${k}: ${n}`).join('\n')}\n`);
    await app.services.usageRecorder.flush();
    if (!details.failed && errorsLogged === 0) {
      process.stdout.write(`ok: ${details.numRuns} runs, seed ${options.seed}\n`);
      return 0;
    }
    if (!details.failed) {
      process.stdout.write(
        `\nFAILED: ${errorsLogged} errors logged (above), seed ${options.seed}\n`,
      );
      return 1;
    }
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
    process.stdout.write(
      `\nFAILED with seed ${options.seed}\n${fc.defaultReportMessage(details)}\n\n${cause}\n`,
    );
    process.stdout.write(
      `replay: npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath} --runs 1\n`,
    );
    return 1;
  } finally {
    target.close();
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main(parseArgs(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`fuzz: ${error.message}\n`);
    process.exit(2);
  },
);
