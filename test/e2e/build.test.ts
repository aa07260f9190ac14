import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';
import { runNode } from '../helpers/process';
import { describeAnyMode } from '../helpers/any-mode';

// `npm start` runs `scripts/build.js --changed` first (package.json's prestart): on a
// built tree it must build nothing, and after a change only the steps whose inputs
// changed. The suite runs on a tree `npm test` has just built.
const BUILD = path.join(PROJECT_ROOT, 'scripts', 'build.js');
const STATE = path.join(PROJECT_ROOT, 'dist', '.build-state.json');

const build = (...args: string[]) =>
  runNode([BUILD, ...args], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '' } });
const stepsRun = (stdout: string) =>
  [...stdout.matchAll(/^build: (.+) \(\d+ ms\)$/gm)].map((match) => match[1]);

describeAnyMode('npm start builds only what changed (scripts/build.js --changed)', () => {
  it('is what npm start runs first', async () => {
    const manifest = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    expect(manifest.scripts.prestart).toBe('node scripts/build.js --changed');
    expect(manifest.scripts.build).toBe('node scripts/build.js');
  });

  it('runs no step on a built tree', async () => {
    const result = await build('--changed');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(stepsRun(result.stdout)).toEqual([]);
  });

  it('runs the step whose inputs changed, and not the steps after it whose inputs did not', async () => {
    const state = await readFile(STATE, 'utf8');
    try {
      // As if codegen's inputs had changed since its last success: codegen runs again and
      // writes the same typed documents, so tsc's inputs hash the same and it is skipped.
      const recorded = JSON.parse(state) as Record<string, string>;
      await writeFile(STATE, JSON.stringify({ ...recorded, 'graphql codegen': 'changed' }));
      const result = await build('--changed');
      expect(result.code).toBe(0);
      expect(stepsRun(result.stdout)).toEqual(['graphql codegen']);
      const after = JSON.parse(await readFile(STATE, 'utf8')) as Record<string, string>;
      expect(after).toEqual(recorded);
    } finally {
      await writeFile(STATE, state);
    }
  }, 60_000);
});
