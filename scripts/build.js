#!/usr/bin/env node
// The build: the Prisma client, the typed documents, then tsc into dist/.
//
//   node scripts/build.js            every step (npm run build: CI, images, benches)
//   node scripts/build.js --changed  only the steps whose inputs changed (npm start)
//
// Each step records a hash of its inputs (file contents, not times: a checkout or a
// copy changes times, not contents) in dist/.build-state.json once it succeeds; with
// --changed a step whose inputs hash the same and whose outputs exist is skipped, so
// `npm start` on a built tree starts at once. A production install (npm ci --omit=dev)
// has no compiler: there, dist/ is used as it was built.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stateFile = path.join(root, 'dist', '.build-state.json');
const changedOnly = process.argv.includes('--changed');

/** Files under `dir` (relative to the root) whose names end with one of `exts`. */
function filesUnder(dir, exts) {
  const out = [];
  const walk = (relative) => {
    const absolute = path.join(root, relative);
    if (!fs.existsSync(absolute)) return;
    for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (exts.some((ext) => entry.name.endsWith(ext))) out.push(child);
    }
  };
  walk(dir);
  return out;
}

const STEPS = [
  {
    name: 'prisma generate',
    run: [process.execPath, [path.join(root, 'scripts', 'prisma-generate.js')]],
    inputs: () => ['prisma/schema.prisma', 'scripts/prisma-generate.js', 'package-lock.json'],
    outputs: ['src/generated/prisma/client.ts'],
  },
  {
    name: 'graphql codegen',
    run: [
      process.execPath,
      [bin('@graphql-codegen/cli', 'graphql-codegen'), '--config', 'codegen.yml', '--silent'],
    ],
    inputs: () => [
      'codegen.yml',
      'schema.graphql',
      'package-lock.json',
      ...filesUnder('examples', ['.graphql']),
    ],
    outputs: ['src/generated/graphql.ts'],
  },
  {
    name: 'tsc',
    run: [process.execPath, [bin('typescript', 'tsc'), '-p', 'tsconfig.build.json']],
    inputs: () => [
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
      ...['src', 'scripts', 'bench'].flatMap((dir) => filesUnder(dir, ['.ts'])),
    ],
    outputs: ['dist/src/index.js', 'dist/scripts/migrate.js'],
  },
];

function bin(pkg, name) {
  try {
    const manifest = require.resolve(`${pkg}/package.json`, { paths: [root] });
    const { bin: bins } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return path.join(path.dirname(manifest), typeof bins === 'string' ? bins : bins[name]);
  } catch {
    return null;
  }
}

function hashOf(files) {
  const hash = createHash('sha256');
  for (const file of [...new Set(files)].sort()) {
    hash.update(file).update('\0');
    const absolute = path.join(root, file);
    hash.update(fs.existsSync(absolute) ? fs.readFileSync(absolute) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return {};
  }
}

function writeState(state) {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

const compilerMissing = STEPS.some((step) => step.run[1][0] === null);
if (compilerMissing) {
  if (fs.existsSync(path.join(root, 'dist', 'src', 'index.js'))) {
    process.stdout.write('build: no compiler here (production install); dist/ is used as built\n');
    process.exit(0);
  }
  process.stderr.write(
    'build: dist/ is missing and the build tools are not installed (npm install)\n',
  );
  process.exit(1);
}

const state = readState();
for (const step of STEPS) {
  const hash = hashOf(step.inputs());
  const outputsExist = step.outputs.every((file) => fs.existsSync(path.join(root, file)));
  if (changedOnly && state[step.name] === hash && outputsExist) continue;
  const started = Date.now();
  const [command, args] = step.run;
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    // What failed is not recorded as built: the next build runs it again.
    delete state[step.name];
    writeState(state);
    process.stderr.write(`build: ${step.name} failed\n`);
    process.exit(result.status ?? 1);
  }
  state[step.name] = hash;
  writeState(state);
  if (changedOnly) process.stdout.write(`build: ${step.name} (${Date.now() - started} ms)\n`);
}
