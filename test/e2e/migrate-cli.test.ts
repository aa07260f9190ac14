import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PRISMA_DIR, PROJECT_ROOT } from '../../src/config/paths';
import { runNode } from '../helpers/process';
import { describeAnyMode } from '../helpers/any-mode';

const MIGRATE = path.join(PROJECT_ROOT, 'dist', 'scripts', 'migrate.js');

describeAnyMode('npm run migrate / migrate:create (offline, WebAssembly schema engine)', () => {
  let work: string;
  let prismaDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'yf-migrate-'));
    prismaDir = path.join(work, 'prisma');
    await cp(PRISMA_DIR, prismaDir, { recursive: true });
    // The embedded database keeps this test independent of DATABASE_URL.
    env = { DATA_DIR: path.join(work, 'data') };
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  const migrate = (...args: string[]) =>
    runNode([MIGRATE, ...args, '--prisma-dir', prismaDir], { cwd: work, env });

  it('applies the committed migrations, then reports the database up to date', async () => {
    const first = await migrate('deploy');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^applied \d+: \d{14}_init/);
    const second = await migrate('deploy');
    expect(second).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });

  it('writes a migration for a schema change, applies it, and finds nothing more to write', async () => {
    const schemaPath = path.join(prismaDir, 'schema.prisma');
    await writeFile(
      schemaPath,
      `${await readFile(schemaPath, 'utf8')}\nmodel Probe {\n  id Int @id\n  label String\n  @@map("probes")\n}\n`,
    );
    const created = await migrate('create', 'add_probe');
    expect(created.code).toBe(0);
    const folder = /created prisma\/migrations\/(\d{14}_add_probe)\/migration\.sql/.exec(
      created.stdout,
    )?.[1];
    expect(folder).toBeDefined();
    const sql = await readFile(
      path.join(prismaDir, 'migrations', folder!, 'migration.sql'),
      'utf8',
    );
    expect(sql).toContain('CREATE TABLE "probes"');
    expect(sql).not.toContain('CREATE TABLE "users"');

    expect((await migrate('deploy')).stdout).toBe(`applied 1: ${folder}\n`);
    expect((await migrate('create', 'again')).stdout).toBe('no schema changes\n');
    expect(
      (await readdir(path.join(prismaDir, 'migrations'))).filter((name) => name.endsWith('_again')),
    ).toEqual([]);
  });

  it('refuses a bad command or name with usage and exit 2', async () => {
    expect(await migrate('explode')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^usage: /),
    });
    expect(await migrate('create', 'bad name!')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/NAME must be/),
    });
  });
});
