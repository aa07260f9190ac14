import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../src/config/paths';

/** deploy/k8s: the kustomize base and its overlays. */
export const K8S_DIR = path.join(PROJECT_ROOT, 'deploy', 'k8s');

/** The fields every test reads; the rest stays `unknown` until a schema has passed it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/**
 * The objects `kubectl kustomize` renders for a directory under deploy/k8s. kubectl is
 * required (Debian: kubernetes-client): without it this throws, so the test fails rather
 * than passing on nothing.
 */
export function renderKustomization(relativeDir: string): K8sObject[] {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  let output: string;
  try {
    output = execFileSync(kubectl, ['kustomize', path.join(K8S_DIR, relativeDir)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(
      code === 'ENOENT'
        ? `${kubectl} not found: install kubectl (Debian package kubernetes-client) or set KUBECTL`
        : `${kubectl} kustomize ${relativeDir} failed: ${stderr ?? String(error)}`,
    );
  }
  return parseYamlObjects(output, relativeDir);
}

/** Parses a file under deploy/k8s that kustomize does not render (the Secret template). */
export function readManifest(relativeFile: string): K8sObject[] {
  return parseYamlObjects(readFileSync(path.join(K8S_DIR, relativeFile), 'utf8'), relativeFile);
}

function parseYamlObjects(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) {
        throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

interface Model {
  validate(): void;
}
type ModelClass = (new (data: unknown) => Model) & { prototype: Model };

/** The module of kubernetes-models that holds the classes of an apiVersion. */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

async function modelClass(object: K8sObject): Promise<ModelClass> {
  const where = `${object.kind} ${object.metadata?.name}`;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(modelModule(object.apiVersion))) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${where}: no schema for apiVersion ${object.apiVersion}: ${String(error)}`);
  }
  const model = exports[object.kind];
  if (typeof model !== 'function') {
    throw new Error(`${where}: no kind ${object.kind} in ${object.apiVersion}`);
  }
  return model as ModelClass;
}

/**
 * Validates one object against the Kubernetes (or Prometheus Operator) schema of its
 * kind and returns the problems: the schema's errors, then the fields it does not know.
 * kubernetes-models accepts unknown fields (the API server would drop them, or refuse
 * them under strict field validation), so a misspelt `readinesProbe` passes validate()
 * alone. The second pass runs the same compiled validator on a copy that records which
 * fields the validator reads, and reports every field it never looked at.
 */
export async function schemaProblems(object: K8sObject): Promise<string[]> {
  const where = `${object.kind} ${object.metadata?.name}`;
  const Model = await modelClass(object);
  try {
    new Model(object).validate();
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
  const nodes = new WeakMap<object, TrackedNode>();
  const tracked = track(structuredClone(object), nodes);
  // The model's constructor copies its input; its validate() called on the tracked
  // object itself sees what the validator reads.
  Model.prototype.validate.call(tracked);
  return unreadFields(tracked, '', nodes).map(
    (field) => `${where}: ${field} is not a field of ${object.apiVersion} ${object.kind}`,
  );
}

interface TrackedNode {
  target: Record<string, unknown>;
  read: Set<PropertyKey>;
  /** The validator enumerated the keys: a map (labels, data) or a free-form object. */
  enumerated: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function track<T>(value: T, nodes: WeakMap<object, TrackedNode>): T {
  if (Array.isArray(value)) return value.map((item: unknown) => track(item, nodes)) as T;
  if (!isPlainObject(value)) return value;
  const node: TrackedNode = { target: {}, read: new Set(), enumerated: false };
  for (const [key, child] of Object.entries(value)) node.target[key] = track(child, nodes);
  const proxy = new Proxy(node.target, {
    get(target, key, receiver) {
      node.read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      node.read.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      node.read.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  nodes.set(proxy, node);
  return proxy as T;
}

function unreadFields(value: unknown, at: string, nodes: WeakMap<object, TrackedNode>): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => unreadFields(item, `${at}/${index}`, nodes));
  }
  const node = isPlainObject(value) ? nodes.get(value) : undefined;
  if (!node) return [];
  return Object.entries(node.target).flatMap(([key, child]) =>
    node.enumerated || node.read.has(key)
      ? unreadFields(child, `${at}/${key}`, nodes)
      : [`${at}/${key}`],
  );
}
