import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Context } from '../../context';
import { HTTP_STATUS } from '../../errors/codes';
import { QueryTooComplexError, RateLimitedError, YieldflowError } from '../../errors/errors';

/**
 * Admits every operation before it runs (the admission service: argument bounds, price
 * within the plan, the limits its fields declare): a refused one is answered with its
 * code (BAD_USER_INPUT, QUERY_TOO_COMPLEX, RATE_LIMITED with Retry-After) and nothing is
 * executed, no upstream call made. Every answer carries `extensions.cost: { requested,
 * maximum }`.
 */
export function queryCostPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let cost: { requested: number; maximum: number } | undefined;
      return {
        // A document past the gateway's limits is a security event (DOCUMENT_REFUSED).
        async validationDidStart({ contextValue }) {
          return async (errors) =>
            contextValue.services.admission.validated(
              errors as readonly GraphQLError[] | undefined,
              contextValue.ip ?? '',
              contextValue.viewer,
            );
        },
        async didResolveOperation({ contextValue, document, operationName, request, schema }) {
          const { admission } = contextValue.services;
          try {
            const admitted = await admission.admitOperation({
              schema,
              document,
              operationName,
              variables: request.variables ?? {},
              viewer: contextValue.viewer ?? null,
              ip: contextValue.ip ?? '',
              spendPlan: false,
            });
            cost = {
              requested: admitted.cost,
              maximum: admission.plan(contextValue.viewer).maxQueryCost,
            };
            // Metered only once admitted: a refused operation ran nothing, and the price
            // of an absurd one (billions) is no usage to bill.
            contextValue.stats.cost = admitted.cost;
          } catch (error) {
            const { cost: requested, maxCost } =
              error instanceof QueryTooComplexError ? error.extensions : {};
            if (typeof requested === 'number' && typeof maxCost === 'number') {
              cost = { requested, maximum: maxCost };
            }
            // Refused before execution: Apollo answers 500 for an error of this phase
            // unless it carries its status.
            if (error instanceof RateLimitedError) {
              error.extensions.http = {
                status: 429,
                headers: new HeaderMap([['retry-after', String(error.retryAfter)]]),
              };
            } else if (error instanceof YieldflowError) {
              error.extensions.http = { status: HTTP_STATUS[error.code] };
            }
            throw error;
          }
        },
        async willSendResponse({ response }) {
          if (cost && response.body.kind === 'single') {
            response.body.singleResult.extensions = {
              ...response.body.singleResult.extensions,
              cost,
            };
          }
        },
      };
    },
  };
}
