import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type SelectionSetNode } from 'graphql';
import type { Context } from '../../context';
import { UnauthenticatedError } from '../../errors/errors';
import { fragmentMemo, type FragmentLookup } from '../analysis/fragment-memo';

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

type Names = ReadonlySet<string>;

function rootFieldNames(selectionSet: SelectionSetNode, fragments: FragmentLookup<Names>): Names {
  const names = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else {
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? rootFieldNames(selection.selectionSet, fragments)
          : fragments(selection.name.value);
      for (const name of inner ?? []) names.add(name);
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
          // Each fragment's root fields are gathered once: linear in the document.
          const fragments = fragmentMemo<Names>(
            document,
            (fragment, lookup) => rootFieldNames(fragment.selectionSet, lookup),
            new Set(),
          );
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
