import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { HTTP_STATUS } from '../../errors/codes';
import { BadUserInputError } from '../../errors/errors';

/**
 * Refuses a subscription sent over HTTP with 400 BAD_USER_INPUT. Apollo would hand it
 * to the executor, which runs it as a query: its resolvers then see no event and fail
 * as INTERNAL_SERVER_ERROR. Subscriptions live on the WebSocket endpoint.
 */
export function httpSubscriptionPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          const error = new BadUserInputError(
            'Subscriptions are served over WebSocket (graphql-ws protocol) at /graphql, not over HTTP',
          );
          error.extensions.http = { status: HTTP_STATUS[error.code] };
          throw error;
        },
      };
    },
  };
}
