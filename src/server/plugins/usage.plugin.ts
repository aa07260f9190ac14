import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { usageStatus } from '../../services/usage.service';

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
          context.services.admission.meter(viewer, {
            operationName: operationName ?? request.operationName,
            cost: context.stats.cost,
            status: usageStatus(errors),
            durationMs: Math.round(performance.now() - started),
            cacheHits: context.stats.cacheHits,
          });
        },
      };
    },
  };
}
