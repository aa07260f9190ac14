#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma.
//
// `prisma generate` does not use the schema engine, but the CLI insists on finding or
// downloading one first; offline machines cannot download it. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies that check.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], {
  cwd: path.join(__dirname, '..'),
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
