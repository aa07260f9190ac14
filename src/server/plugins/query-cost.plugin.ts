import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { DEFAULT_PLANS } from '../../domain/plans';
import { HTTP_STATUS } from '../../errors/codes';
import { YieldflowError } from '../../errors/errors';
import { assertArgumentBounds } from '../argument-bounds';
import { assertAffordable, priceFor } from '../query-cost';

/**
 * Checks declared argument bounds (see argument-bounds.ts), then prices every operation
 * before it runs (see query-cost.ts) and refuses one that costs more than the caller's
 * plan allows with QUERY_TOO_COMPLEX; nothing is executed and no upstream call is made.
 * Every answer carries `extensions.cost: { requested, maximum }`.
 */
export function queryCostPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let cost: { requested: number; maximum: number } | undefined;
      return {
        async didResolveOperation({ contextValue, document, operationName, request, schema }) {
          try {
            const plan =
              contextValue.services.plans[contextValue.viewer?.plan ?? 'FREE'] ??
              DEFAULT_PLANS.FREE;
            // Priced on coerced variables: a raw one (9007199254740992 for an Int) is not
            // what would run, and must be refused as input, not priced.
            const variables = assertArgumentBounds(
              schema,
              document,
              operationName,
              request.variables ?? {},
            );
            const requested = await priceFor(
              schema,
              document,
              operationName,
              variables,
              contextValue.viewer,
              contextValue.services.ledgerSizes,
            );
            cost = { requested, maximum: plan.maxQueryCost };
            assertAffordable(requested, plan);
            // Metered only once affordable: a refused operation ran nothing, and the price
            // of an absurd one (billions) is no usage to bill.
            contextValue.stats.cost = requested;
          } catch (error) {
            // Refused before execution: Apollo answers 500 for an error of this phase
            // unless it carries its status.
            if (error instanceof YieldflowError) {
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
