import {
  Kind,
  type DocumentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fragmentMemo, type FragmentLookup } from './fragment-memo';

type Names = ReadonlySet<string>;

function namesIn(selectionSet: SelectionSetNode, fragments: FragmentLookup<Names>): Names {
  const names = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else {
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? namesIn(selection.selectionSet, fragments)
          : fragments(selection.name.value);
      for (const name of inner ?? []) names.add(name);
    }
  }
  return names;
}

/**
 * The root fields an operation selects, through fragments and inline fragments. Each
 * fragment is gathered once: linear in the document.
 */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): Names {
  const fragments = fragmentMemo<Names>(
    document,
    (fragment, lookup) => namesIn(fragment.selectionSet, lookup),
    new Set(),
  );
  return namesIn(operation.selectionSet, fragments);
}
