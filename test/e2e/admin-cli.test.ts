import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';
import { gql } from '../helpers/graphql';
import { runNode, spawnServer } from '../helpers/process';
import { describeAnyMode } from '../helpers/any-mode';

const CLI = path.join(PROJECT_ROOT, 'dist', 'scripts', 'admin-create.js');

describeAnyMode('npm run admin:create', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-admin-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('creates an admin from a password on stdin, who signs in as ADMIN', async () => {
    const env = { PATH: process.env.PATH ?? '' };
    const created = await runNode([CLI, '--email', 'Ops@Example.com'], {
      cwd,
      env,
      stdin: 'a long admin passphrase\n',
    });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created admin ops@example\.com/);

    const weak = await runNode([CLI, '--email', 'x@example.com'], {
      cwd,
      env: { ...env, ADMIN_PASSWORD: 'password1' },
    });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/password must be at least 10 characters/);
    expect((await runNode([CLI], { cwd, env })).code).toBe(2);

    const server = await spawnServer({ cwd, env: { ...env, PORT: '0' } });
    try {
      const login = await gql<{ login: { accessToken: string; user: { role: string } } }>(
        server.url,
        'mutation { login(email: "ops@example.com", password: "a long admin passphrase") { accessToken user { role } } }',
      );
      expect(login.body.data!.login.user.role).toBe('ADMIN');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
