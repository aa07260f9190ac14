import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { fragmentMemo, type FragmentLookup } from './analysis/fragment-memo';

/** Deepest selection nesting accepted. */
export const MAX_DEPTH = 10;
/** Most aliased fields accepted in one document. */
export const MAX_ALIASES = 20;
/** Most lexical tokens accepted in one document (Apollo's parser enforces it). */
export const MAX_TOKENS = 5_000;
/**
 * Most field selections an operation may make with its fragments written out. Apollo's
 * own recursion guard (`maxRecursiveSelections`) holds the same bound on HTTP, before
 * any other rule runs.
 */
export const MAX_SELECTIONS = 20_000;

// `limit` survives Apollo re-coding validation errors as GRAPHQL_VALIDATION_FAILED; the
// error formatter turns errors carrying it back into QUERY_TOO_COMPLEX.
const tooComplex = (message: string, extensions: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extensions } });

/** Depth and expanded selection count of a selection set (or a fragment). */
interface Shape {
  depth: number;
  /** Selections counted as if every fragment spread were written out. */
  selections: number;
}

const EMPTY: Shape = { depth: 0, selections: 0 };

function shapeOf(selectionSet: SelectionSetNode, fragments: FragmentLookup<Shape>): Shape {
  let depth = 0;
  let selections = 0;
  for (const selection of selectionSet.selections) {
    selections += 1;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const inner = selection.selectionSet ? shapeOf(selection.selectionSet, fragments) : EMPTY;
      depth = Math.max(depth, 1 + inner.depth);
      selections += inner.selections;
    } else {
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? shapeOf(selection.selectionSet, fragments)
          : (fragments(selection.name.value) ?? EMPTY);
      depth = Math.max(depth, inner.depth);
      selections += inner.selections;
    }
  }
  return { depth, selections };
}

/**
 * Refuses operations nested deeper than {@link MAX_DEPTH} fields, or that would select
 * more than {@link MAX_SELECTIONS} fields with every fragment written out. Each fragment
 * is measured once ({@link fragmentMemo}), so the rule is linear in the document's size
 * however often fragments spread each other.
 */
export function depthLimitRule(context: ValidationContext): ASTVisitor {
  const fragments = fragmentMemo<Shape>(
    context.getDocument(),
    (fragment, lookup) => shapeOf(fragment.selectionSet, lookup),
    EMPTY,
  );
  return {
    OperationDefinition(node) {
      const { depth, selections } = shapeOf(node.selectionSet, fragments);
      if (depth > MAX_DEPTH) {
        context.reportError(
          tooComplex(`Query depth ${depth} exceeds the maximum of ${MAX_DEPTH}`, {
            limit: 'depth',
            depth,
            maxDepth: MAX_DEPTH,
          }),
        );
      }
      if (selections > MAX_SELECTIONS) {
        context.reportError(
          tooComplex(
            `The operation selects ${displayCount(selections)} fields with its fragments expanded; the maximum is ${MAX_SELECTIONS}`,
            {
              limit: 'selections',
              selections: displayCount(selections),
              maxSelections: MAX_SELECTIONS,
            },
          ),
        );
      }
    },
  };
}

/** A count fit for JSON (an expanded count can exceed any float). */
export function displayCount(count: number): number {
  return Math.min(count, Number.MAX_SAFE_INTEGER);
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

/** The gateway's own rules, after graphql-js' specified ones, on HTTP and WebSocket alike. */
export const GATEWAY_RULES = [depthLimitRule, aliasLimitRule];
