import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config';
import { envSchema } from '../../src/config/env.schema';
import { PROJECT_ROOT } from '../../src/config/paths';
import { NGINX_CONF, nginxUpstreams } from '../helpers/nginx';
import { describeAnyMode } from '../helpers/any-mode';

// docker-compose.yml read as Compose reads it (YAML merge keys, ${VAR} interpolation),
// without a Docker engine: the topology, and that what it hands the gateway is what the
// gateway knows.

interface Service {
  build?: { context: string; dockerfile?: string };
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
}

const COMPOSE_FILE = path.join(PROJECT_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const GATEWAYS = ['gateway-1', 'gateway-2'];

// What an operator's .env provides: the secrets Compose refuses to start without.
const SECRETS: Record<string, string> = {
  JWT_SECRET: 'compose-test-secret-of-at-least-32-characters',
  POSTGRES_PASSWORD: 'compose-test-password',
  GRAFANA_ADMIN_PASSWORD: 'compose-test-admin',
};

/**
 * Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error},
 * ${NAME?error} and $$. A required variable missing from `vars` throws its error.
 */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (whole, name?: string, colon?: string, kind?: string, rest?: string) => {
      if (whole === '$$') return '$';
      const set = vars[name!];
      const present = colon ? Boolean(set) : set !== undefined;
      if (present) return set!;
      if (kind === '?') throw new Error(`${name}: ${rest}`);
      return kind === '-' ? rest! : '';
    },
  );
}

const environment = (service: string, vars = SECRETS): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[service].environment ?? {}).map(([name, value]) => [
      name,
      interpolate(String(value), vars),
    ]),
  );

const dependsOn = (service: string): Record<string, string> => {
  const deps = services[service].depends_on ?? {};
  return Array.isArray(deps)
    ? Object.fromEntries(deps.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition]));
};

/** nginx's size syntax (1m, 8m, 512k) in bytes. */
const nginxBytes = (size: string): number => {
  const match = /^(\d+)([kKmMgG]?)$/.exec(size);
  if (!match) throw new Error(`not an nginx size: ${size}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
};

/** The client_max_body_size of nginx.conf's `location <match> { … }`. */
const nginxBodyLimit = (location: string): number => {
  const text = readFileSync(NGINX_CONF, 'utf8');
  const block = new RegExp(`location ${location.replace(/[/.=]/g, '\\$&')} \\{([^}]*)\\}`).exec(
    text,
  )?.[1];
  const size = block && /client_max_body_size\s+(\S+);/.exec(block)?.[1];
  if (!size) throw new Error(`nginx.conf: no client_max_body_size in location ${location}`);
  return nginxBytes(size);
};

describeAnyMode('docker-compose.yml', () => {
  it('runs two gateway replicas of one image with the same environment', () => {
    const [first, second] = GATEWAYS.map((name) => services[name]);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(first.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(second.build).toEqual(first.build);
    expect(second.image).toBe(first.image);
    expect(environment('gateway-2')).toEqual(environment('gateway-1'));
    // Clients reach them through nginx only.
    expect(first.ports ?? []).toEqual([]);
    expect(second.ports ?? []).toEqual([]);
  });

  it('hands the gateways only variables the gateway knows, making a valid production configuration', () => {
    const known = new Set(Object.keys(envSchema.shape));
    const env = environment('gateway-1');
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);

    const config = loadConfig(env, PROJECT_ROOT);
    expect(config).toMatchObject({
      isProduction: true,
      host: '0.0.0.0',
      port: 4000,
      jwtSecret: SECRETS.JWT_SECRET,
      databaseUrl: `postgresql://yieldflow:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/yieldflow`,
      redisUrl: 'redis://redis:6379',
    });
    // The replicas trust nginx's own address, and nothing wider.
    const nginxAddress = services.nginx.networks?.default?.ipv4_address;
    expect(nginxAddress).toBeDefined();
    expect(config.trustedProxies).toEqual([nginxAddress]);
    // Drain fits in the time Docker gives a container between SIGTERM and SIGKILL.
    const grace = Number(/^(\d+)s$/.exec(services['gateway-1'].stop_grace_period ?? '')?.[1]);
    expect(grace * 1000).toBeGreaterThan(config.shutdownGraceMs + 5_000);
  });

  it('refuses to start without the secrets, rather than defaulting them', () => {
    for (const secret of ['JWT_SECRET', 'POSTGRES_PASSWORD']) {
      const rest = { ...SECRETS };
      delete rest[secret];
      expect(() => environment('gateway-1', rest)).toThrow(new RegExp(`^${secret}: set `));
    }
  });

  it('starts the gateways after the migration completed and PostgreSQL and Redis are healthy', () => {
    for (const gateway of GATEWAYS) {
      expect(dependsOn(gateway)).toEqual({
        migrate: 'service_completed_successfully',
        postgres: 'service_healthy',
        redis: 'service_healthy',
      });
    }
    const migrate = services.migrate;
    expect(migrate.build).toEqual(services['gateway-1'].build);
    expect(migrate.image).toBe(services['gateway-1'].image);
    expect([...(migrate.entrypoint ?? []), ...(migrate.command ?? [])]).toEqual([
      'node',
      'dist/scripts/migrate.js',
      'deploy',
    ]);
    expect(environment('migrate').DATABASE_URL).toBe(environment('gateway-1').DATABASE_URL);
    expect(dependsOn('migrate')).toEqual({ postgres: 'service_healthy' });
    expect(existsSync(path.join(PROJECT_ROOT, 'dist', 'scripts', 'migrate.js'))).toBe(true);
  });

  it('runs PostgreSQL 16 and Redis 7 with health checks', () => {
    expect(services.postgres.image).toMatch(/^postgres:16(\b|-)/);
    expect(services.postgres.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
    expect(services.redis.image).toMatch(/^redis:7(\b|-)/);
    expect(services.redis.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
  });

  it('puts nginx in front of both replicas with the shipped nginx.conf, its upstreams named as the services', () => {
    const nginx = services.nginx;
    expect(nginx.volumes).toContain('./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(nginx.ports).toEqual(['8080:80']);
    expect(dependsOn('nginx')).toEqual({
      'gateway-1': 'service_healthy',
      'gateway-2': 'service_healthy',
    });
    const port = environment('gateway-1').PORT;
    expect(nginxUpstreams()).toEqual(GATEWAYS.map((name) => `${name}:${port}`));
  });

  it("sizes nginx's body limits as the gateway's", () => {
    const config = loadConfig(environment('gateway-1'), PROJECT_ROOT);
    expect(nginxBodyLimit('/')).toBe(config.maxBodyBytes);
    expect(nginxBodyLimit('= /import/transactions')).toBe(config.maxImportBytes);
  });

  it('mounts Prometheus and Grafana configuration from deploy/', () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
      ]),
    );
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
  });

  it('builds from, and mounts, files that exist in the repository', () => {
    const needed = new Set<string>();
    for (const service of Object.values(services)) {
      if (service.build) {
        needed.add(path.join(service.build.context, service.build.dockerfile ?? 'Dockerfile'));
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) needed.add(path.normalize(source));
      }
    }
    const missing = [...needed].filter((file) => !existsSync(path.join(PROJECT_ROOT, file)));
    expect(missing).toEqual([]);
  });
});
