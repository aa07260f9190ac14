import { createHash } from 'node:crypto';
import { Kind, type FormattedExecutionResult, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../domain/viewer';

/**
 * Root fields whose answer depends only on the arguments and the caller's entitlements
 * (plan: history range, quote delay; scopes), never on who the caller is.
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'quote',
  'quotes',
  'company',
  'companies',
  'searchCompanies',
  'plans',
]);

/** The response header saying whether the answer came from the response cache. */
export const RESPONSE_CACHE_HEADER = 'x-response-cache';

/** Settings of the response cache. */
export interface ResponseCacheOptions {
  /** How long an answer is reused (on top of the market cache's own freshness). */
  ttlMs: number;
  /** Largest answer kept, in bytes of JSON. */
  maxEntryBytes: number;
  /** Total size kept, in bytes of JSON. */
  maxBytes: number;
  /** The clock the TTL is measured on; the wall clock by default (tests move their own). */
  now?: () => Date;
}

export const DEFAULT_RESPONSE_CACHE: ResponseCacheOptions = {
  ttlMs: 1_000,
  maxEntryBytes: 256 * 1024,
  maxBytes: 64 * 1024 * 1024,
};

/** A kept answer: as an object (for Apollo) and as the bytes of the HTTP body. */
export interface CachedAnswer {
  answer: FormattedExecutionResult;
  /** The whole HTTP body, `extensions.cost` included, serialized and encoded once. */
  body: Buffer;
  cost: number;
  /** The operation it answered, for metering a request served from the cache. */
  operationName: string | null;
}

// Viewers of API keys are shared by the key's requests (see AuthService): their
// entitlements string is built once.
const entitlementsOf = new WeakMap<Viewer, string>();

/** What an answer of the cacheable fields depends on besides the request: plan and scopes. */
function entitlements(viewer: Viewer): string {
  let text = entitlementsOf.get(viewer);
  if (text === undefined) {
    text = `${viewer.plan} ${[...viewer.scopes].sort().join(' ')}`;
    entitlementsOf.set(viewer, text);
  }
  return text;
}

/** True for a query made only of {@link CACHEABLE_ROOT_FIELDS}. */
export function isCacheable(operation: OperationDefinitionNode | null | undefined): boolean {
  return (
    operation?.operation === 'query' &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && CACHEABLE_ROOT_FIELDS.has(s.name.value),
    )
  );
}

/**
 * Answers of identical cacheable queries, for `ttlMs`, per process (each replica keeps
 * its own, over the shared market cache). An answer is keyed twice: by the request body
 * as sent, which the HTTP handler looks up before parsing anything; and by the printed
 * document, operation name and variables, which the Apollo plugin looks up after
 * parsing (the same query spaced differently). Both keys include the caller's plan and
 * scopes, which are all an answer of these fields depends on.
 */
export class ResponseCache {
  private readonly entries: LRUCache<string, CachedAnswer>;
  hits = 0;
  misses = 0;

  constructor(private readonly options: ResponseCacheOptions = DEFAULT_RESPONSE_CACHE) {
    const clock = options.now;
    this.entries = new LRUCache<string, CachedAnswer>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entry.body.length + key.length,
      ttl: options.ttlMs,
      ttlAutopurge: false,
      // Every look reads the given clock (lru-cache would otherwise reuse one for 1 ms).
      ...(clock && { perf: { now: () => clock().getTime() }, ttlResolution: 0 }),
    });
  }

  /** The key of a request's body as sent (the HTTP handler's lookup, before any parsing). */
  requestKey(body: string, viewer: Viewer): string {
    return `sent\n${entitlements(viewer)}\n${body}`;
  }

  /** The key of a parsed request: its printed document, operation name and variables. */
  printedKey(
    document: string,
    operationName: string | null | undefined,
    variables: unknown,
    viewer: Viewer,
  ): string {
    return createHash('sha256')
      .update(
        JSON.stringify([document, operationName ?? null, variables ?? {}, entitlements(viewer)]),
      )
      .digest('base64url');
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry) this.hits += 1;
    else this.misses += 1;
    return entry;
  }

  /** Keeps an answer (without errors) of the operation `operationName` under each key. */
  set(
    keys: readonly string[],
    answer: FormattedExecutionResult,
    cost: { requested: number; maximum: number },
    operationName: string | null,
  ): void {
    const body = Buffer.from(`${JSON.stringify({ ...answer, extensions: { cost } })}\n`);
    if (body.length > this.options.maxEntryBytes) return;
    const entry: CachedAnswer = { answer, body, cost: cost.requested, operationName };
    for (const key of keys) this.entries.set(key, entry);
  }
}
