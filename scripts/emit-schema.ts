/**
 * Writes schema.graphql from the type-graphql resolvers; with --check, exits 1 when the
 * committed file differs (CI runs this so that the published schema never drifts).
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { PROJECT_ROOT } from '../src/config/paths';
import { buildYieldflowSchema } from '../src/schema/build-schema';

async function main(check: boolean): Promise<number> {
  const file = path.join(PROJECT_ROOT, 'schema.graphql');
  const schema = await buildYieldflowSchema();
  const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
  if (!check) {
    await writeFile(file, printed);
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed === printed) {
    process.stdout.write('schema.graphql is up to date\n');
    return 0;
  }
  process.stderr.write(
    'schema.graphql differs from the schema the code builds: run `npm run schema:emit` and commit it\n',
  );
  return 1;
}

main(process.argv.includes('--check')).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`emit-schema: ${error.message}\n`);
    process.exitCode = 1;
  },
);
