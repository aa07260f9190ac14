import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../src/config/env.schema';
import { loadConfig } from '../../src/config/load-config';
import { PROJECT_ROOT } from '../../src/config/paths';
import { readManifest, renderKustomization, schemaProblems, type K8sObject } from './k8s-manifests';
import { describeAnyMode } from '../helpers/any-mode';

// Plain shapes of what the invariants read; every object has passed its schema first.
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: {
    preStop?: { sleep?: { seconds: number }; exec?: { command?: string[] } };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  topologySpreadConstraints?: { labelSelector?: Selector }[];
  affinity?: { podAntiAffinity?: unknown };
  volumes?: {
    name: string;
    emptyDir?: unknown;
    persistentVolumeClaim?: { claimName: string };
  }[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}
interface Selector {
  matchLabels?: Record<string, string>;
}
interface ServicePort {
  name?: string;
  port: number;
  targetPort?: string | number;
}

const OVERLAYS = ['staging', 'production'] as const;
type Overlay = (typeof OVERLAYS)[number];

const rendered: Record<Overlay, K8sObject[]> = {
  staging: renderKustomization('overlays/staging'),
  production: renderKustomization('overlays/production'),
};
const [secretTemplate] = readManifest('base/secret.example.yaml');

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
const spec = <T>(object: K8sObject) => object.spec as T;
const deploymentOf = (objects: K8sObject[]) =>
  spec<{ replicas?: number; selector: Selector; template: PodTemplate }>(
    only(objects, 'Deployment'),
  );
const gatewayOf = (objects: K8sObject[]) => deploymentOf(objects).template.spec.containers[0];
const configOf = (objects: K8sObject[]) =>
  only(objects, 'ConfigMap').data as Record<string, string>;

/** The gateway's environment in a pod: the ConfigMap, then the Secret's placeholders. */
const productionEnv = (objects: K8sObject[]) => ({
  ...configOf(objects),
  ...(secretTemplate.stringData as Record<string, string>),
});

/** Every pod template an overlay renders, named for the messages. */
function podTemplates(objects: K8sObject[]): [string, PodTemplate][] {
  return objects.flatMap((object): [string, PodTemplate][] => {
    const where = `${object.kind} ${object.metadata.name}`;
    if (object.kind === 'Deployment' || object.kind === 'Job') {
      return [[where, spec<{ template: PodTemplate }>(object).template]];
    }
    if (object.kind === 'CronJob') {
      return [
        [
          where,
          spec<{ jobTemplate: { spec: { template: PodTemplate } } }>(object).jobTemplate.spec
            .template,
        ],
      ];
    }
    return [];
  });
}

function selects(selector: Selector | Record<string, string> | undefined, labels = {}) {
  const wanted = (selector && 'matchLabels' in selector ? selector.matchLabels : selector) ?? {};
  return (
    Object.keys(wanted).length > 0 &&
    Object.entries(wanted).every(
      ([key, value]) => (labels as Record<string, string>)[key] === value,
    )
  );
}

function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  if (/(^|\/)sleep$/.test(command[0] ?? '')) return Number(command[1]);
  return 0;
}

// The gateway's WebSocket keep-alive (server pings), read from the source so that this
// test follows a change of it.
function wsKeepAliveMs(): number {
  const source = readFileSync(path.join(PROJECT_ROOT, 'src/server/ws/gateway.ts'), 'utf8');
  const match = /keepAliveMs \?\? ([\d_]+)/.exec(source);
  if (!match) throw new Error('no keep-alive default found in src/server/ws/gateway.ts');
  return Number(match[1].replaceAll('_', ''));
}

// nginx sizes: 9m, 512k, 1g, or bytes.
function nginxBytes(size: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(size);
  if (!match) throw new Error(`not an nginx size: ${size}`);
  return Number(match[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
}

describeAnyMode('the Secret template (base/secret.example.yaml, not applied by kustomize)', () => {
  it('is a valid Secret holding what production needs, under variables the gateway reads', async () => {
    expect(await schemaProblems(secretTemplate)).toEqual([]);
    const data = secretTemplate.stringData as Record<string, string>;
    expect(Object.keys(data)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET']),
    );
    const known = Object.keys(envSchema.shape);
    expect(Object.keys(data).filter((key) => !known.includes(key))).toEqual([]);
  });
});

describeAnyMode.each(OVERLAYS)('kubectl kustomize deploy/k8s/overlays/%s', (overlay) => {
  const objects = rendered[overlay];
  const deployment = () => only(objects, 'Deployment');
  const gateway = () => gatewayOf(objects);
  const podLabels = () => deploymentOf(objects).template.metadata?.labels ?? {};

  it('renders each object once, every one in the overlay namespace, and no Secret', () => {
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'CronJob',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Job',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Service',
      'ServiceMonitor',
    ]);
    const namespaces = new Set(objects.map((object) => object.metadata.namespace));
    expect([...namespaces]).toEqual([overlay === 'staging' ? 'yieldflow-staging' : 'yieldflow']);
  });

  it('validates every object against its Kubernetes schema, unknown fields included', async () => {
    const problems = (await Promise.all(objects.map((object) => schemaProblems(object)))).flat();
    expect(problems).toEqual([]);
  });

  it('sets only variables the gateway reads, and the gateway accepts them in production', () => {
    const config = configOf(objects);
    const known = Object.keys(envSchema.shape);
    expect(Object.keys(config).filter((key) => !known.includes(key))).toEqual([]);
    const loaded = loadConfig(productionEnv(objects), '/app');
    expect(loaded).toMatchObject({ isProduction: true, host: '0.0.0.0' });
    expect(config.NODE_ENV).toBe('production');
  });

  it('runs the gateway from a tagged image, its settings from the ConfigMap and the Secret', () => {
    const container = gateway();
    expect(container.image).toMatch(/^ghcr\.io\/yieldflow\/gateway:[\w][\w.-]{0,127}$/);
    expect(container.image).not.toMatch(/:latest$/);
    expect(container.command).toBeUndefined();
    const port = container.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(Number(configOf(objects).PORT));
    expect(container.envFrom).toEqual(
      expect.arrayContaining([
        { configMapRef: { name: only(objects, 'ConfigMap').metadata.name } },
        { secretRef: { name: secretTemplate.metadata.name } },
      ]),
    );
    // The HorizontalPodAutoscaler owns the count: an apply must not reset it.
    expect(deploymentOf(objects).replicas).toBeUndefined();
  });

  it('probes readiness on /readyz and liveness on /healthz, on the http port', () => {
    const container = gateway();
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    if (container.startupProbe) {
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
  });

  it('pauses before SIGTERM and gives the drain more time than SHUTDOWN_GRACE_MS', () => {
    const container = gateway();
    const pause = preStopSeconds(container);
    expect(pause).toBeGreaterThanOrEqual(3);
    const { shutdownGraceMs } = loadConfig(productionEnv(objects), '/app');
    const grace = deploymentOf(objects).template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1000).toBeGreaterThan(shutdownGraceMs + pause * 1000);
  });

  it('runs every container non-root, read-only, without capabilities, under RuntimeDefault', () => {
    for (const [where, template] of podTemplates(objects)) {
      expect([where, template.spec.securityContext?.runAsNonRoot]).toEqual([where, true]);
      expect([where, template.spec.securityContext?.seccompProfile?.type]).toEqual([
        where,
        'RuntimeDefault',
      ]);
      for (const container of template.spec.containers) {
        const name = `${where} ${container.name}`;
        expect([name, container.securityContext]).toMatchObject([
          name,
          {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        ]);
        expect([name, container.securityContext?.capabilities?.add]).toEqual([name, undefined]);
        expect([
          name,
          container.resources?.requests?.cpu,
          container.resources?.limits?.memory,
        ]).toEqual([name, expect.any(String), expect.any(String)]);
      }
    }
  });

  it('gives DATA_DIR, which the gateway writes at every start, a writable emptyDir', () => {
    const dataDir = configOf(objects).DATA_DIR;
    expect(dataDir).toMatch(/^\//);
    const mount = gateway().volumeMounts?.find((m) => m.mountPath === dataDir);
    const volume = deploymentOf(objects).template.spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.emptyDir).toBeDefined();
  });

  it('spreads the gateway pods over nodes', () => {
    const pod = deploymentOf(objects).template.spec;
    const spread = pod.topologySpreadConstraints ?? [];
    expect(spread.length > 0 || pod.affinity?.podAntiAffinity !== undefined).toBe(true);
    for (const constraint of spread)
      expect(selects(constraint.labelSelector, podLabels())).toBe(true);
  });

  it('selects the gateway pods from the Service, the HPA, the PDB and nothing else', () => {
    expect(selects(deploymentOf(objects).selector, podLabels())).toBe(true);
    const service = spec<{ type?: string; selector: Record<string, string> }>(
      only(objects, 'Service'),
    );
    expect(service.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(selects(service.selector, podLabels())).toBe(true);
    const pdb = spec<{ selector: Selector }>(only(objects, 'PodDisruptionBudget'));
    expect(selects(pdb.selector, podLabels())).toBe(true);
    for (const [where, template] of podTemplates(objects)) {
      if (!where.startsWith('Deployment')) {
        expect([where, selects(service.selector, template.metadata?.labels)]).toEqual([
          where,
          false,
        ]);
      }
    }
    const hpa = spec<{
      scaleTargetRef: { apiVersion: string; kind: string; name: string };
      minReplicas: number;
      maxReplicas: number;
      metrics: { type: string; resource?: { name: string } }[];
    }>(only(objects, 'HorizontalPodAutoscaler'));
    expect(hpa.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment().metadata.name,
    });
    expect(hpa.metrics).toContainEqual(
      expect.objectContaining({
        type: 'Resource',
        resource: expect.objectContaining({ name: 'cpu' }),
      }),
    );
    expect(hpa.minReplicas).toBeLessThanOrEqual(hpa.maxReplicas);
  });

  it('routes the Ingress to the Service port of the gateway http port, with WebSocket timeouts', () => {
    const ingress = only(objects, 'Ingress');
    const rules = spec<{
      rules: {
        host: string;
        http: {
          paths: {
            backend: { service: { name: string; port: { name?: string; number?: number } } };
          }[];
        };
      }[];
      tls?: { hosts: string[] }[];
    }>(ingress);
    const service = only(objects, 'Service');
    const ports = spec<{ ports: ServicePort[] }>(service).ports;
    const backends = rules.rules.flatMap((rule) => rule.http.paths.map((p) => p.backend.service));
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) {
      expect(backend.name).toBe(service.metadata.name);
      const port = ports.find((p) =>
        backend.port.name ? p.name === backend.port.name : p.port === backend.port.number,
      );
      expect(port?.targetPort).toBe('http');
    }
    // The public host is the one the gateway is told (PUBLIC_URL), and it has TLS.
    const host = new URL(configOf(objects).PUBLIC_URL).host;
    expect(rules.rules.map((rule) => rule.host)).toEqual([host]);
    expect(rules.tls?.flatMap((tls) => tls.hosts)).toContain(host);

    const annotations = ingress.metadata.annotations ?? {};
    const keepAliveSeconds = wsKeepAliveMs() / 1000;
    for (const name of ['proxy-read-timeout', 'proxy-send-timeout']) {
      const seconds = Number(annotations[`nginx.ingress.kubernetes.io/${name}`]);
      expect([name, seconds >= Math.max(60, 5 * keepAliveSeconds)]).toEqual([name, true]);
    }
    // CSV imports: the gateway, not nginx, answers an upload over MAX_IMPORT_BYTES.
    const { maxImportBytes } = loadConfig(productionEnv(objects), '/app');
    expect(
      nginxBytes(annotations['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '1m'),
    ).toBeGreaterThan(maxImportBytes);
  });

  it('scrapes /metrics on METRICS_PORT through the Service, which the Ingress does not route', () => {
    const metricsPort = Number(configOf(objects).METRICS_PORT);
    const containerPort = gateway().ports?.find((p) => p.containerPort === metricsPort);
    expect(containerPort?.name).toBeDefined();
    const service = only(objects, 'Service');
    const servicePort = spec<{ ports: ServicePort[] }>(service).ports.find(
      (p) => p.targetPort === containerPort?.name,
    );
    const monitor = spec<{ selector: Selector; endpoints: { port?: string; path?: string }[] }>(
      only(objects, 'ServiceMonitor'),
    );
    expect(selects(monitor.selector, service.metadata.labels)).toBe(true);
    expect(monitor.endpoints).toEqual([
      expect.objectContaining({ port: servicePort?.name, path: '/metrics' }),
    ]);
    expect(JSON.stringify(only(objects, 'Ingress').spec)).not.toContain(`"${servicePort?.name}"`);
  });

  it('migrates with a Job on the gateway image that retries a bounded number of times', () => {
    const job = spec<{
      backoffLimit?: number;
      ttlSecondsAfterFinished?: number;
      template: PodTemplate;
    }>(only(objects, 'Job'));
    const [container] = job.template.spec.containers;
    expect(container.image).toBe(gateway().image);
    expect(container.command).toEqual(['node', 'dist/scripts/migrate.js', 'deploy']);
    expect(job.backoffLimit).toBeGreaterThanOrEqual(0);
    expect(job.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job.template.spec.restartPolicy).toBe('Never');
    expect(container.envFrom).toContainEqual({ secretRef: { name: secretTemplate.metadata.name } });
  });

  it('backs up with pg_dump -Fc from DATABASE_URL onto the declared claim', () => {
    const cronJob = only(objects, 'CronJob');
    const [, template] = podTemplates([cronJob])[0];
    const [container] = template.spec.containers;
    expect(container.image).toMatch(/^postgres:\d+/);
    const script = (container.command ?? []).join(' ');
    expect(script).toMatch(/pg_dump\b[^\n]*-Fc/);
    expect(container.env).toContainEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: secretTemplate.metadata.name, key: 'DATABASE_URL' } },
    });
    const claims = template.spec.volumes?.map((v) => v.persistentVolumeClaim?.claimName);
    expect(claims).toContain(only(objects, 'PersistentVolumeClaim').metadata.name);
  });
});

describeAnyMode('staging and production', () => {
  const range = (overlay: Overlay) => {
    const hpa = spec<{ minReplicas: number; maxReplicas: number }>(
      only(rendered[overlay], 'HorizontalPodAutoscaler'),
    );
    return [hpa.minReplicas, hpa.maxReplicas];
  };
  const hosts = (overlay: Overlay) =>
    spec<{ rules: { host: string }[] }>(only(rendered[overlay], 'Ingress')).rules.map(
      (rule) => rule.host,
    );

  it('scale staging over 1-3 replicas and production over 3-10', () => {
    expect(range('staging')).toEqual([1, 3]);
    expect(range('production')).toEqual([3, 10]);
  });

  it('keep production at least 2 replicas through disruptions, and still let a node drain', () => {
    const pdb = spec<{ minAvailable?: number }>(only(rendered.production, 'PodDisruptionBudget'));
    expect(pdb.minAvailable).toBeGreaterThanOrEqual(2);
    expect(pdb.minAvailable).toBeLessThan(range('production')[0]);
  });

  it('serve different hosts', () => {
    expect(hosts('staging')).not.toEqual(hosts('production'));
  });

  it('give staging smaller resources than production', () => {
    const mebibytes = (quantity = '') => {
      const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
      if (!match) throw new Error(`not a quantity in Mi or Gi: ${quantity}`);
      return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
    };
    const memory = (overlay: Overlay, kind: 'requests' | 'limits') =>
      mebibytes(gatewayOf(rendered[overlay]).resources?.[kind]?.memory);
    for (const kind of ['requests', 'limits'] as const) {
      expect(memory('staging', kind)).toBeLessThan(memory('production', kind));
    }
  });
});
