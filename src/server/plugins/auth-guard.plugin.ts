import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { UnauthenticatedError } from '../../errors/errors';
import { rootFieldNames } from '../analysis/root-fields';

/** Root fields that answer without credentials (PRODUCT.md, "Authentication"). */
export const PUBLIC_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'register',
  'login',
  'refreshToken',
  'plans',
  '__schema',
  '__type',
  '__typename',
]);

/**
 * Default deny: an operation without a viewer runs only when every root field it
 * selects is public. Checked once per operation, before any resolver runs, so that an
 * anonymous request is refused as a whole with HTTP 401.
 */
export function authGuardPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          if (contextValue.viewer || !operation) return;
          const denied = [...rootFieldNames(document, operation)].filter(
            (name) => !PUBLIC_ROOT_FIELDS.has(name),
          );
          if (denied.length > 0) {
            const error = new UnauthenticatedError(
              `Authentication required for ${denied.join(', ')}: send x-api-key or Authorization: Bearer`,
            );
            error.extensions.http = { status: 401 };
            throw error;
          }
        },
      };
    },
  };
}
