import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';

/**
 * Meters every authenticated request once its answer is ready: key, user, operation,
 * cost, status (`OK` or the first error's code), duration and cache hits. Recording is
 * a push onto the usage buffer; the database write happens off the request's path.
 */
export function usagePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ contextValue: context, errors, operationName, request }) {
          const viewer = context.viewer;
          if (!viewer) return;
          const code = errors?.[0]?.extensions?.code;
          context.services.usageRecorder.record({
            userId: viewer.userId,
            apiKeyId: viewer.apiKeyId ?? null,
            operationName: (operationName ?? request.operationName ?? 'anonymous').slice(0, 128),
            cost: context.stats.cost,
            status: errors?.length
              ? typeof code === 'string'
                ? code
                : 'INTERNAL_SERVER_ERROR'
              : 'OK',
            durationMs: Math.round(performance.now() - started),
            cacheHits: context.stats.cacheHits,
            createdAt: new Date(),
          });
        },
      };
    },
  };
}
