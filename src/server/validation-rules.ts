import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Deepest selection nesting accepted. */
export const MAX_DEPTH = 10;
/** Most aliased fields accepted in one document. */
export const MAX_ALIASES = 20;
/** Most lexical tokens accepted in one document (Apollo's parser enforces it). */
export const MAX_TOKENS = 5_000;

// `limit` survives Apollo re-coding validation errors as GRAPHQL_VALIDATION_FAILED; the
// error formatter turns errors carrying it back into QUERY_TOO_COMPLEX.
const tooComplex = (message: string, extensions: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extensions } });

function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(
        deepest,
        selection.selectionSet ? 1 + depthOf(selection.selectionSet, fragments, visiting) : 1,
      );
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, visiting));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, visiting));
      visiting.delete(name);
    }
  }
  return deepest;
}

/** Refuses operations nested deeper than {@link MAX_DEPTH} fields. */
export function depthLimitRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION)
          fragments[definition.name.value] = definition;
      }
      const depth = depthOf(node.selectionSet, fragments, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(
          tooComplex(`Query depth ${depth} exceeds the maximum of ${MAX_DEPTH}`, {
            depth,
            maxDepth: MAX_DEPTH,
          }),
        );
      }
    },
  };
}

/** Refuses documents with more than {@link MAX_ALIASES} aliased fields. */
export function aliasLimitRule(context: ValidationContext): ASTVisitor {
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias) aliases += 1;
    },
    Document: {
      leave() {
        if (aliases > MAX_ALIASES) {
          context.reportError(
            tooComplex(`${aliases} aliases exceed the maximum of ${MAX_ALIASES}`, {
              limit: 'aliases',
              aliases,
              maxAliases: MAX_ALIASES,
            }),
          );
        }
      },
    },
  };
}
