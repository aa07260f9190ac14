import {
  getNamedType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';

/** The start of graphql-js' message for a literal a scalar refused. */
const REFUSED_DECIMAL = 'Expected value of type "Decimal"';

/** Whether a validation error is a Decimal literal refused by its scalar. */
export function isRefusedDecimal(message: string): boolean {
  return message.startsWith(REFUSED_DECIMAL);
}

/**
 * The input field each `Decimal` literal of `document` stands for, by its AST node
 * (`input.quantity`): graphql-js' "Expected value of type Decimal" names the value only,
 * as the scalar's parseLiteral sees nothing else. One walk of the document, made only
 * when such an error is to be reported.
 */
export function decimalLiteralFields(
  schema: GraphQLSchema,
  document: DocumentNode,
): WeakMap<ValueNode, string> {
  const fields = new WeakMap<ValueNode, string>();
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  // Visitor functions return nothing: a returned value would replace the node.
  const leave = (): void => {
    path.pop();
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: {
        enter(node): void {
          path.push(node.name.value);
        },
        leave,
      },
      ObjectField: {
        enter(node): void {
          path.push(node.name.value);
          const type = typeInfo.getInputType();
          if (type && getNamedType(type).name === 'Decimal') fields.set(node.value, path.join('.'));
        },
        leave,
      },
    }),
  );
  return fields;
}
