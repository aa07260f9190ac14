import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Context } from '../../context';
import { DEFAULT_PLANS } from '../../domain/plans';
import { assertAffordable, priceFor } from '../query-cost';

/**
 * Prices every operation before it runs (see query-cost.ts) and refuses one that costs
 * more than the caller's plan allows with QUERY_TOO_COMPLEX; nothing is executed and no
 * upstream call is made. Every answer carries `extensions.cost: { requested, maximum }`.
 */
export function queryCostPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let cost: { requested: number; maximum: number } | undefined;
      return {
        async didResolveOperation({ contextValue, document, operationName, request, schema }) {
          const plan =
            contextValue.services.plans[contextValue.viewer?.plan ?? 'FREE'] ?? DEFAULT_PLANS.FREE;
          const requested = await priceFor(
            schema,
            document,
            operationName,
            request.variables ?? {},
            contextValue.viewer,
            contextValue.services.ledgerSizes,
          );
          cost = { requested, maximum: plan.maxQueryCost };
          try {
            assertAffordable(requested, plan);
          } catch (error) {
            // Refused before execution: the whole request is bad input (Apollo says 500
            // for errors of this phase unless told).
            (error as GraphQLError).extensions.http = { status: 400 };
            throw error;
          }
          // Metered only once affordable: a refused operation ran nothing, and the price
          // of an absurd one (billions) is no usage to bill.
          contextValue.stats.cost = requested;
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
