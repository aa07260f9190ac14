import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { print, type DocumentNode } from 'graphql';
import type { Context } from '../../context';
import { isCacheable, RESPONSE_CACHE_HEADER, type ResponseCache } from '../response-cache';

/**
 * The Apollo side of the response cache: after parsing, validation, the auth guard and
 * the cost check, a cacheable query whose printed document was answered recently is
 * answered again without running resolvers; an answer without errors is kept (under
 * the request as sent, for the HTTP handler's lookup before parsing, and under the
 * printed document). Answers carry `x-response-cache: HIT` or `MISS`.
 */
export function responseCachePlugin(cache: ResponseCache): ApolloServerPlugin<Context> {
  // Printing a document is the costly part of its key: once per parsed document.
  const printed = new WeakMap<DocumentNode, string>();
  return {
    async requestDidStart() {
      let keys: string[] | null = null;
      let hit = false;
      return {
        async responseForOperation(rc) {
          const viewer = rc.contextValue.viewer;
          if (!viewer || !rc.document || !isCacheable(rc.operation)) return null;
          let text = printed.get(rc.document);
          if (text === undefined) {
            text = print(rc.document);
            printed.set(rc.document, text);
          }
          const { operationName, variables } = rc.request;
          const byPrint = cache.printedKey(text, operationName, variables, viewer);
          keys = [byPrint];
          const sent = rc.contextValue.stats.requestKey;
          if (sent !== undefined) keys.push(sent);
          const cached = cache.get(byPrint);
          if (!cached) return null;
          hit = true;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            // A copy: later plugins add `extensions` to it, never to the kept answer.
            body: { kind: 'single', singleResult: { ...cached.answer } },
          };
        },
        async willSendResponse(rc) {
          if (keys === null || rc.response.body.kind !== 'single') return;
          rc.response.http.headers.set(RESPONSE_CACHE_HEADER, hit ? 'HIT' : 'MISS');
          const result = rc.response.body.singleResult;
          if (hit || result.errors || rc.errors) return;
          const { extensions: _extensions, ...answer } = result;
          const plan = rc.contextValue.services.plans[rc.contextValue.viewer!.plan];
          cache.set(
            keys,
            answer,
            { requested: rc.contextValue.stats.cost, maximum: plan.maxQueryCost },
            rc.operationName ?? rc.request.operationName ?? null,
          );
        },
      };
    },
  };
}
