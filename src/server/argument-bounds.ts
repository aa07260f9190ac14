import {
  getVariableValues,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { ArgumentBound } from '../domain/argument-limits';
import { BadUserInputError } from '../errors/errors';
import { selectedOperation } from './analysis/selected-operation';

/**
 * What a field declares through type-graphql's `@Extensions` for its arguments:
 * `bounds: { name: { min, max } }` (see ARGUMENT_LIMITS).
 */
export interface FieldBounds {
  bounds?: Record<string, ArgumentBound>;
}

function refusal(argument: string, field: string, value: unknown, bound: ArgumentBound) {
  let size: number;
  let expected: string;
  if (typeof value === 'number') {
    size = value;
    expected = `must be between ${bound.min} and ${bound.max}`;
  } else if (Array.isArray(value)) {
    size = value.length;
    expected = `must have ${bound.min} to ${bound.max} items`;
  } else if (typeof value === 'string') {
    size = (bound.trim ? value.trim() : value).length;
    expected = `must be ${bound.min} to ${bound.max} characters long${bound.trim ? ' (trimmed)' : ''}`;
  } else {
    return null;
  }
  if (size >= bound.min && size <= bound.max) return null;
  return new BadUserInputError(`${field}(${argument}:) ${expected}; got ${size}`, {
    argument,
    field,
    min: bound.min,
    max: bound.max,
  });
}

const unwrapNonNull = (type: GraphQLInputType) => (isNonNullType(type) ? type.ofType : type);

/**
 * Coerces the operation's variables and checks every argument that declares a bound,
 * before the operation is priced or run: an out-of-range value is the caller's mistake
 * (BAD_USER_INPUT naming the argument and its range), not an expensive query. One pass
 * over the document, without recursion. Returns the coerced variables.
 *
 * @throws BadUserInputError for a variable of the wrong type or an argument out of range.
 */
export function assertArgumentBounds(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> = {},
): Record<string, unknown> {
  const operation = selectedOperation(document, operationName);
  if (!operation) return rawVariables;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables, {
    maxErrors: 1,
  });
  if (coerced.errors) {
    throw new BadUserInputError(coerced.errors[0].message, { reason: 'VARIABLE_COERCION' });
  }
  const variables = coerced.coerced;
  const typeInfo = new TypeInfo(schema);
  const checked = {
    kind: Kind.DOCUMENT,
    definitions: document.definitions.filter(
      (d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION,
    ),
  } as DocumentNode;
  visit(
    checked,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const field = typeInfo.getFieldDef();
        const argument = typeInfo.getArgument();
        const bound = (field?.extensions as FieldBounds | undefined)?.bounds?.[node.name.value];
        if (!field || !argument || !bound) return;
        const value = valueFromAST(node.value, argument.type, variables);
        if (value === undefined || value === null) return;
        // A list bound counts items; a scalar given where a list is expected is one item.
        const sized =
          isListType(unwrapNonNull(argument.type)) && !Array.isArray(value) ? [value] : value;
        const error = refusal(node.name.value, field.name, sized, bound);
        if (error) throw error;
      },
    }),
  );
  return variables;
}
