import { Kind, type DocumentNode, type FragmentDefinitionNode } from 'graphql';

/**
 * Looks a fragment's result up by name, computing it at most once per memo: every walk
 * over a document that follows fragment spreads goes through one of these, so that a
 * fragment spread many times (or a chain of fragments each spreading the next twice)
 * costs one visit, and the walk stays linear in the document's size. Undefined for a
 * fragment the document does not define.
 */
export type FragmentLookup<T> = (name: string) => T | undefined;

/**
 * Makes a {@link FragmentLookup} over `document`'s fragments. `compute` receives the
 * fragment and the lookup itself (for the spreads inside it). A fragment reached again
 * while it is being computed is a cycle, which validation refuses (NoFragmentCyclesRule);
 * the walk then gets `onCycle` instead of recursing forever.
 */
export function fragmentMemo<T>(
  document: DocumentNode,
  compute: (fragment: FragmentDefinitionNode, lookup: FragmentLookup<T>) => T,
  onCycle: T,
): FragmentLookup<T> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const done = new Map<string, T>();
  const inProgress = new Set<string>();
  const lookup: FragmentLookup<T> = (name) => {
    const known = done.get(name);
    if (known !== undefined || done.has(name)) return known;
    const fragment = fragments.get(name);
    if (!fragment) return undefined;
    if (inProgress.has(name)) return onCycle;
    inProgress.add(name);
    try {
      const result = compute(fragment, lookup);
      done.set(name, result);
      return result;
    } finally {
      inProgress.delete(name);
    }
  };
  return lookup;
}
