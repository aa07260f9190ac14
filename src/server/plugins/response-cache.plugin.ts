import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { Kind, print, type FormattedExecutionResult, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Context } from '../../context';

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

/** Settings of the response cache. */
export interface ResponseCacheOptions {
  /** How long an answer is reused (on top of the market cache's own freshness). */
  ttlMs: number;
  /** Largest answer kept, in bytes of JSON. */
  maxEntryBytes: number;
  /** Total size kept, in bytes of JSON. */
  maxBytes: number;
}

export const DEFAULT_RESPONSE_CACHE: ResponseCacheOptions = {
  ttlMs: 1_000,
  maxEntryBytes: 256 * 1024,
  maxBytes: 64 * 1024 * 1024,
};

/** The response header saying whether the answer came from the response cache. */
export const RESPONSE_CACHE_HEADER = 'x-response-cache';

function cacheableOperation(operation: OperationDefinitionNode | null | undefined): boolean {
  return (
    operation?.operation === 'query' &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && CACHEABLE_ROOT_FIELDS.has(s.name.value),
    )
  );
}

/**
 * Answers identical cacheable queries from memory without running resolvers: same
 * document (as printed, so spacing does not matter), operation, variables, and the
 * caller's plan and scopes. Only queries made entirely of {@link CACHEABLE_ROOT_FIELDS}
 * and answered without errors are kept, for `ttlMs`. Everything before execution still
 * happens on a hit (authentication, rate limits, cost, metering), and the answer carries
 * `x-response-cache: HIT` (else `MISS`; nothing for other operations). Per process: each
 * replica keeps its own, under the shared market cache.
 */
export function responseCachePlugin(
  options: ResponseCacheOptions = DEFAULT_RESPONSE_CACHE,
): ApolloServerPlugin<Context> {
  // Answers are kept as objects (sized by their JSON) and handed out as shallow copies:
  // later plugins add `extensions` to the copy, never to the kept answer.
  const cache = new LRUCache<string, { answer: FormattedExecutionResult; size: number }>({
    maxSize: options.maxBytes,
    sizeCalculation: (value) => value.size,
    ttl: options.ttlMs,
    ttlAutopurge: false,
  });
  // Printing a document is the costly part of the key: once per parsed document.
  const printed = new WeakMap<object, string>();
  const keyOf = (rc: GraphQLRequestContext<Context>): string | null => {
    const viewer = rc.contextValue.viewer;
    if (!viewer || !rc.document || !cacheableOperation(rc.operation)) return null;
    let text = printed.get(rc.document);
    if (text === undefined) {
      text = print(rc.document);
      printed.set(rc.document, text);
    }
    return createHash('sha256')
      .update(
        JSON.stringify([
          text,
          rc.operationName ?? null,
          rc.request.variables ?? {},
          viewer.plan,
          [...viewer.scopes].sort(),
        ]),
      )
      .digest('base64url');
  };

  return {
    async requestDidStart() {
      let key: string | null = null;
      let hit = false;
      return {
        async responseForOperation(rc) {
          key = keyOf(rc);
          if (key === null) return null;
          const cached = cache.get(key);
          if (cached === undefined) return null;
          hit = true;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: { ...cached.answer },
            },
          };
        },
        async willSendResponse(rc) {
          if (key === null || rc.response.body.kind !== 'single') return;
          rc.response.http.headers.set(RESPONSE_CACHE_HEADER, hit ? 'HIT' : 'MISS');
          const result = rc.response.body.singleResult;
          if (hit || result.errors || rc.errors) return;
          const { extensions: _extensions, ...answer } = result;
          const size = JSON.stringify(answer).length;
          if (size <= options.maxEntryBytes) cache.set(key, { answer, size });
        },
      };
    },
  };
}
