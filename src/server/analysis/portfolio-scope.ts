import {
  getNamedType,
  getOperationAST,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';

/** Root fields that select one portfolio by its `id` argument. */
const BY_ID = new Set(['portfolio', 'portfolioValuation']);

function idOf(value: ValueNode, variables: Record<string, unknown>): string | null {
  if (value.kind === Kind.STRING) return value.value;
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'string' ? given : null;
  }
  return null;
}

/**
 * The portfolio ids an operation reads, when it reads them only through root fields
 * that take an id (`portfolio(id:)`, `portfolioValuation(id:)`); null when it may read
 * any of the caller's portfolios (`portfolios`, a mutation returning one, fragments at
 * the root), which are then all priced. Only the operation's top level is looked at.
 */
export function portfolioScope(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): string[] | null {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return null;
  const fields = root.getFields();
  const ids: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return null;
    if (!BY_ID.has(selection.name.value)) {
      // Portfolio has no parent type but the root: only root fields lead to one.
      const field = fields[selection.name.value];
      if (field && getNamedType(field.type).name === 'Portfolio') return null;
      continue;
    }
    const argument = selection.arguments?.find((a) => a.name.value === 'id');
    const id = argument ? idOf(argument.value, variables) : null;
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}
