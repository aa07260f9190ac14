import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { assertNoNulInput } from '../nul-input';

/** Refuses string input holding U+0000 before anything runs (see assertNoNulInput). */
export function nulInputPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          assertNoNulInput(document, request.variables);
        },
      };
    },
  };
}
