import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/config/paths';
import { describeAnyMode } from '../helpers/any-mode';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  container?: string | { image: string };
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (relative: string) => readFileSync(path.join(PROJECT_ROOT, relative), 'utf8');
const workflow = (name: string) => parse(read(`.github/workflows/${name}`)) as Workflow;
const ci = workflow('ci.yml');
const deploy = workflow('deploy.yml');

const runs = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
const needs = (job: Job) => (typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []));
const environment = (job: Job) =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;

/** The README's command for the whole suite ("The two commands"), checked against package.json. */
function readmeTestCommand(): string {
  const match = /^(npm [\w:-]+)\s+#\s*the whole suite/m.exec(read('README.md'));
  if (!match) throw new Error('README.md names no "whole suite" command');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const script = match[1] === 'npm test' ? 'test' : match[1].replace(/^npm run /, '');
  if (!scripts[script]) throw new Error(`README's ${match[1]} is no script of package.json`);
  return match[1];
}

/** Jobs that run the whole suite. */
function suiteJobs(command: string): [string, Job][] {
  return Object.entries(ci.jobs).filter(([, job]) => runs(job).includes(command));
}

describeAnyMode('.github/workflows/ci.yml', () => {
  const command = readmeTestCommand();

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('lints, checks formatting, types and schema drift', () => {
    const all = Object.values(ci.jobs).flatMap(runs);
    for (const check of ['lint', 'format:check', 'typecheck', 'schema:check']) {
      expect(all).toContain(`npm run ${check}`);
    }
  });

  it("runs the README's test command against PostgreSQL and Redis on Node 20, 22 and 24", () => {
    const withServices = suiteJobs(command).filter(([, job]) => job.services);
    expect(withServices).toHaveLength(1);
    const [[, job]] = withServices;
    expect(job.strategy?.matrix?.node).toEqual([20, 22, 24]);
    const setupNode = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe('${{ matrix.node }}');

    const services = job.services ?? {};
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.redis?.image).toMatch(/^redis:\d+/);
    const env = job.env ?? {};
    expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');

    // Build, then migrate the fresh database, then the suite: exactly that command.
    const order = runs(job);
    const at = (run: string) => order.indexOf(run);
    expect(at('npm run build')).toBeGreaterThanOrEqual(0);
    expect(at('npm run migrate')).toBeGreaterThan(at('npm run build'));
    expect(at(command)).toBeGreaterThan(at('npm run migrate'));
    expect(order.filter((run) => run.includes('npm test') || run.includes('jest'))).toEqual([
      command,
    ]);
  });

  it('runs the suite again on the embedded defaults, without DATABASE_URL or REDIS_URL', () => {
    const embedded = suiteJobs(command).filter(([, job]) => !job.services);
    expect(embedded).toHaveLength(1);
    const [[, job]] = embedded;
    const env = { ...ci.env, ...job.env, ...job.steps.find((s) => s.run === command)?.env };
    expect(Object.keys(env)).not.toContain('DATABASE_URL');
    expect(Object.keys(env)).not.toContain('REDIS_URL');
  });

  it('installs the Debian packages the suite needs in each job that runs it', () => {
    const packages = (ci.env?.DEBIAN_PACKAGES ?? '').split(/\s+/);
    // Every package the local runner installs when missing (`missing+=(name)`).
    const local = [...read('.ci/run').matchAll(/missing\+=\(([\w.+-]+)\)/g)].map((m) => m[1]);
    expect(local).toEqual(expect.arrayContaining(['chromium', 'nginx', 'prometheus', 'tini']));
    expect(packages).toEqual(expect.arrayContaining(local));
    for (const [name, job] of suiteJobs(command)) {
      const container = typeof job.container === 'string' ? job.container : job.container?.image;
      expect([name, container]).toEqual([name, expect.stringMatching(/^debian:/)]);
      const install = runs(job).find((run) => run.includes('apt-get install'));
      expect([name, install]).toEqual([name, expect.stringContaining('$DEBIAN_PACKAGES')]);
    }
  });

  it('audits production dependencies and runs CodeQL on JavaScript and TypeScript', () => {
    expect(Object.values(ci.jobs).flatMap(runs)).toContain(
      'npm audit --omit=dev --audit-level=high',
    );
    const codeql = Object.values(ci.jobs).find((job) =>
      job.steps.some((step) => step.uses?.startsWith('github/codeql-action/init@')),
    );
    const init = codeql?.steps.find((s) => s.uses?.startsWith('github/codeql-action/init@'));
    expect(init?.with?.languages).toBe('javascript-typescript');
    expect(codeql?.steps.some((s) => s.uses?.startsWith('github/codeql-action/analyze@'))).toBe(
      true,
    );
    expect(codeql?.permissions?.['security-events']).toBe('write');
  });

  it('builds and pushes the image only from main, after every other job', () => {
    const [name, job] = Object.entries(ci.jobs).find(([, j]) =>
      j.steps.some((step) => step.uses?.startsWith('docker/build-push-action@')),
    )!;
    expect(job.permissions?.packages).toBe('write');
    expect(job.if?.replace(/\s+/g, ' ')).toBe(
      "github.event_name == 'push' && github.ref == 'refs/heads/main'",
    );
    const build = job.steps.find((step) => step.uses?.startsWith('docker/build-push-action@'));
    expect(String(build?.with?.push)).toContain("github.ref == 'refs/heads/main'");
    expect(String(build?.with?.tags)).toContain('ghcr.io/yieldflow/gateway:sha-${{ github.sha }}');
    const others = Object.keys(ci.jobs).filter((other) => other !== name);
    expect(needs(job).sort()).toEqual(others.sort());
  });
});

describeAnyMode('.github/workflows/deploy.yml', () => {
  it('deploys after CI succeeds on main, or on a pushed tag', () => {
    expect(deploy.on.workflow_run).toMatchObject({
      workflows: [ci.name],
      types: ['completed'],
      branches: ['main'],
    });
    expect(deploy.on.push).toEqual({ tags: [expect.any(String)] });
    expect(deploy.jobs.staging.if).toContain("github.event.workflow_run.conclusion == 'success'");
  });

  it('migrates, applies and waits for staging, then production in its environment', () => {
    const { staging, production } = deploy.jobs;
    expect(environment(staging)).toBe('staging');
    expect(needs(production)).toEqual(['staging']);
    expect(environment(production)).toBe('production');
    expect(runs(staging)).toContain('deploy/k8s/deploy.sh staging "sha-$COMMIT"');
    expect(runs(production)).toContain('deploy/k8s/deploy.sh production "sha-$COMMIT"');
  });

  it('runs the migration Job to completion before applying the overlay and waiting', () => {
    const script = read('deploy/k8s/deploy.sh');
    const at = (text: string) => {
      const index = script.indexOf(text);
      if (index < 0) throw new Error(`deploy.sh does not run ${text}`);
      return index;
    };
    const migrate = at('kubectl apply -k "$dir" -l app.kubernetes.io/component=migration');
    const succeeded = at("jsonpath='{.status.succeeded}'");
    const apply = at('kubectl apply -k "$dir"\n');
    const rollout = at('rollout status deployment/yieldflow-gateway');
    expect(migrate).toBeLessThan(succeeded);
    expect(succeeded).toBeLessThan(apply);
    expect(apply).toBeLessThan(rollout);
  });
});

describeAnyMode('every workflow', () => {
  it('pins each action to a major version', () => {
    for (const flow of [ci, deploy]) {
      for (const job of Object.values(flow.jobs)) {
        for (const step of job.steps.filter((s) => s.uses)) {
          expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
        }
      }
    }
  });
});
