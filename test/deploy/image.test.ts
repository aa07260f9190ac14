import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { Client } from 'pg';
import { PROJECT_ROOT } from '../../src/config/paths';
import { gql } from '../helpers/graphql';
import { createTestRedis } from '../helpers/redis';
import { testEnv, withDatabaseName } from '../helpers/test-env';

// No Docker engine runs on these machines: this test reads the Dockerfile and does what
// a build would, stage by stage, each in a clean folder standing for the image's /app:
// COPY from the build context (honouring .dockerignore) or from an earlier stage, RUN in
// that folder with the stage's ENV. What a RUN does to the operating system (apt-get)
// cannot be done here: the packages it installs must be on this machine instead (CI
// installs them), so the ENTRYPOINT finds them. Then it runs the migration as the
// deployment's one-shot job does, starts ENTRYPOINT + CMD with the image's ENV, runs the
// HEALTHCHECK, makes real requests, and stops it as an orchestrator does (SIGTERM).
// It needs PostgreSQL and Redis (a production deployment has both), so the embedded pass
// of CI skips it.
const describeDeployed = testEnv.databaseUrl && testEnv.redisUrl ? describe : describe.skip;

interface Stage {
  name: string;
  dir: string;
  env: Record<string, string>;
  user?: string;
  healthcheck?: string[];
  entrypoint?: string[];
  cmd?: string[];
  exposed: string[];
  osPackages: string[];
}

const APP = '/app';

/** .dockerignore's patterns as one test of a context-relative path (Go's filepath.Match, `**`). */
async function dockerignore(): Promise<(relative: string) => boolean> {
  const lines = (await readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const patterns = lines.map(
    (line) =>
      new RegExp(
        `^${line
          .replace(/^\/+|\/+$/g, '')
          .split('**')
          .map((part) =>
            part
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
          )
          .join('.*')}$`,
      ),
  );
  // A path is out when it, or a folder above it, matches.
  return (relative) => {
    const parts = relative.split(path.sep);
    return parts.some((_, i) => patterns.some((p) => p.test(parts.slice(0, i + 1).join('/'))));
  };
}

const jsonArgs = (instruction: Instruction): string[] =>
  JSON.parse(instruction.getArgumentsContent() ?? '[]') as string[];

/** Runs one stage's instructions in `dir`; `stages` are the earlier ones, by name. */
async function runStage(
  instructions: Instruction[],
  name: string,
  dir: string,
  stages: Map<string, Stage>,
  ignored: (relative: string) => boolean,
): Promise<Stage> {
  const stage: Stage = { name, dir, env: {}, exposed: [], osPackages: [] };
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((a) => a.getValue());
    switch (keyword) {
      case 'WORKDIR':
        expect(args).toEqual([APP]);
        break;
      case 'ENV':
        for (const property of (instruction as unknown as EnvLike).getProperties()) {
          stage.env[property.getName()] = property.getValue() ?? '';
        }
        break;
      case 'COPY': {
        const flags = (instruction as unknown as FlagsLike).getFlags();
        const from = flags.find((flag) => flag.getName() === 'from')?.getValue() ?? undefined;
        const paths = args.filter((a) => !a.startsWith('--'));
        const target = path.join(dir, paths.pop()!);
        for (const source of paths) {
          if (from) {
            const earlier = stages.get(from);
            expect(earlier).toBeDefined();
            expect(source.startsWith(`${APP}/`)).toBe(true);
            const at = path.join(earlier!.dir, path.relative(APP, source));
            await cp(at, target, { recursive: true });
          } else {
            const at = path.join(PROJECT_ROOT, source);
            const into = target.endsWith(path.sep) ? path.join(target, source) : target;
            await mkdir(path.dirname(into), { recursive: true });
            await cp(at, into, {
              recursive: true,
              filter: (file) => !ignored(path.relative(PROJECT_ROOT, file)),
            });
          }
        }
        break;
      }
      case 'RUN': {
        // Flags such as --mount=type=cache (the host's npm cache stands for the mount).
        const command = (instruction.getArgumentsContent() ?? '').replace(/^(--\S+\s+)+/, '');
        if (/^apt-get\b/.test(command)) {
          const install = /apt-get install ([^&]+)/.exec(command)?.[1] ?? '';
          stage.osPackages.push(...install.split(/\s+/).filter((t) => t && !t.startsWith('-')));
          break;
        }
        const result = spawnSync('sh', ['-c', command], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...stage.env },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        if (result.status !== 0) {
          throw new Error(`RUN ${command} failed (${result.status}):\n${result.stderr}`);
        }
        break;
      }
      case 'USER':
        stage.user = args[0];
        break;
      case 'EXPOSE':
        stage.exposed.push(...args);
        break;
      case 'HEALTHCHECK': {
        const content = instruction.getArgumentsContent() ?? '';
        stage.healthcheck = JSON.parse(content.slice(content.indexOf('CMD') + 3).trim());
        break;
      }
      case 'ENTRYPOINT':
        stage.entrypoint = jsonArgs(instruction);
        break;
      case 'CMD':
        stage.cmd = jsonArgs(instruction);
        break;
      case 'ARG':
      case 'FROM':
        break;
      default:
        throw new Error(`the test does not know ${keyword}: teach it`);
    }
  }
  return stage;
}

interface FlagsLike {
  getFlags(): Array<{ getName(): string; getValue(): string | null }>;
}

interface EnvLike {
  getProperties(): Array<{ getName(): string; getValue(): string | null }>;
}

/** Splits the Dockerfile into stages: FROM … AS name, then its instructions. */
function stagesOf(text: string): Array<{ name: string; base: string; steps: Instruction[] }> {
  const dockerfile = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  const out: Array<{ name: string; base: string; steps: Instruction[] }> = [];
  for (const instruction of dockerfile.getInstructions()) {
    const values = instruction.getArguments().map((a) => a.getValue());
    if (instruction.getKeyword() === 'ARG' && out.length === 0) {
      const [name, value = ''] = values[0].split('=');
      args.set(name, value);
    } else if (instruction.getKeyword() === 'FROM') {
      const base = values[0].replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      out.push({ name: values[2] ?? String(out.length), base, steps: [] });
    } else {
      out.at(-1)?.steps.push(instruction);
    }
  }
  return out;
}

describeDeployed('the Dockerfile, built step by step in clean folders', () => {
  const redis = createTestRedis();
  let work: string;
  let runtime: Stage;
  let base: string;
  let databaseUrl: string;
  let admin: Client;
  const dbName = `yf_image_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'yf-image-'));
    const text = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const ignored = await dockerignore();
    const stages = new Map<string, Stage>();
    const parsed = stagesOf(text);
    for (const { name, steps } of parsed) {
      const dir = path.join(work, name);
      await mkdir(dir);
      stages.set(name, await runStage(steps, name, dir, stages, ignored));
    }
    runtime = stages.get(parsed.at(-1)!.name)!;
    base = parsed.at(-1)!.base;
    admin = new Client({ connectionString: testEnv.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    databaseUrl = withDatabaseName(testEnv.databaseUrl!, dbName);
  }, 600_000);

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin?.end();
    await redis.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is a slim Node LTS image that runs as a user of its own, under an init, on 0.0.0.0', () => {
    expect(base).toMatch(/^node:(20|22|24|26)-\w+-slim$/);
    expect(runtime.user).toBeDefined();
    expect(runtime.user).not.toMatch(/^(root|0)$/);
    expect(runtime.env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    expect(runtime.exposed).toContain(runtime.env.PORT);
    expect(runtime.entrypoint?.[0]).toBe('/usr/bin/tini');
    expect(runtime.osPackages).toContain('tini');
    for (const pkg of runtime.osPackages) {
      expect(spawnSync('dpkg', ['-s', pkg]).status).toBe(0);
    }
  });

  it('ships no compiler, source or test: runtime dependencies and dist/ only', async () => {
    const exists = (relative: string) =>
      spawnSync('test', ['-e', path.join(runtime.dir, relative)]).status === 0;
    expect(exists('dist/src/index.js')).toBe(true);
    expect(exists('node_modules/graphql-jit')).toBe(true);
    expect(exists('node_modules/graphql-ws')).toBe(true);
    const dev = ['typescript', 'prisma', 'jest', 'eslint'].map((p) => `node_modules/${p}`);
    for (const absent of [...dev, 'src', 'test', 'bench', '.git']) {
      expect(exists(absent)).toBe(false);
    }
  });

  it('migrates as the one-shot job does, starts, is healthy, answers, and stops cleanly on SIGTERM', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      ...runtime.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      REDIS_URL: testEnv.redisUrl!,
      REDIS_KEY_PREFIX: redis.prefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
    };
    const migrate = spawnSync('node', ['dist/scripts/migrate.js', 'deploy'], {
      cwd: runtime.dir,
      env,
      encoding: 'utf8',
    });
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toMatch(/^applied \d+/);

    const [command, ...args] = [...runtime.entrypoint!, ...runtime.cmd!];
    const child = spawn(command, args, {
      cwd: runtime.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await readyUrl(child);
      const port = new URL(url).port;
      const [check, ...checkArgs] = runtime.healthcheck!;
      const health = spawnSync(check, checkArgs, { cwd: runtime.dir, env: { ...env, PORT: port } });
      expect(health.status).toBe(0);

      const password = 'correct horse battery staple';
      const registered = await gql<{ register: { accessToken: string } }>(
        url,
        `mutation { register(email: "image@example.com", password: "${password}") { accessToken } }`,
      );
      expect(registered.body.errors).toBeUndefined();
      const issued = await gql<{ createApiKey: { secret: string } }>(
        url,
        'mutation { createApiKey(name: "image") { secret } }',
        { headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` } },
      );
      const quote = await gql<{ quote: { symbol: string; price: string } }>(
        url,
        '{ quote(symbol: "AAPL") { symbol price } }',
        { apiKey: issued.body.data!.createApiKey.secret },
      );
      expect(quote.status).toBe(200);
      expect(quote.body.data?.quote.symbol).toBe('AAPL');
      const ready = await fetch(new URL('/readyz', url));
      expect(ready.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

/** The URL the server prints once it listens. */
function readyUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /Yieldflow is ready: (\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}
