import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../../context';
import { UnauthenticatedError } from '../../errors/errors';

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

function rootFieldNames(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  names: Set<string> = new Set(),
): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      rootFieldNames(selection.selectionSet, fragments, names);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment) rootFieldNames(fragment.selectionSet, fragments, names);
    }
  }
  return names;
}

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
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) {
              fragments[definition.name.value] = definition;
            }
          }
          const denied = [...rootFieldNames(operation.selectionSet, fragments)].filter(
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
