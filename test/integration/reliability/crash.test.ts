import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/paths';

// The gateway's own handlers, installed as src/index.ts installs them, in a child
// process of the built tree: what a fault nobody caught does to the process.
const dist = path.join(PROJECT_ROOT, 'dist', 'src');

function run(fault: string): Promise<{ code: number | null; lines: string[] }> {
  const script = `
    const { createLogger } = require(${JSON.stringify(path.join(dist, 'observability', 'logger.js'))});
    const { installCrashHandlers } = require(${JSON.stringify(path.join(dist, 'server', 'crash.js'))});
    installCrashHandlers(createLogger({ level: 'info' }));
    setInterval(() => undefined, 1000); // work that would otherwise keep it running
    setTimeout(() => { ${fault} }, 10);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) })),
  );
}

it.each([
  ['unhandled rejection', `Promise.reject(new Error('lost the ledger write'))`],
  ['uncaught exception', `throw new Error('lost the ledger write')`],
])('an %s is logged with its stack and ends the process with code 1', async (kind, fault) => {
  const { code, lines } = await run(fault);
  expect(code).toBe(1);
  const entry = JSON.parse(lines.at(-1)!) as {
    level: number;
    kind: string;
    err: { message: string; stack: string };
  };
  expect(entry.level).toBe(60);
  expect(entry.kind).toBe(kind);
  expect(entry.err.message).toBe('lost the ledger write');
  expect(entry.err.stack).toContain('Error: lost the ledger write');
});
