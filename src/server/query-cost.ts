import {
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { PlanLimits } from '../domain/plans';
import {
  DATA_PRICES,
  EMPTY_LEDGER,
  LEDGER_PRICES,
  type DataPriceName,
  type LedgerSizes,
} from '../domain/query-prices';
import { QueryTooComplexError } from '../errors/errors';
import { fragmentMemo } from './analysis/fragment-memo';
import { selectedOperation } from './analysis/selected-operation';
import { portfolioScope } from './analysis/portfolio-scope';
import type { Viewer } from '../domain/viewer';
import { displayCount } from './validation-rules';

/**
 * What a field declares through type-graphql's `@Extensions`: `cost` per item (default
 * 1 for fields returning objects, 0 for scalars), and `multiplier`, the argument whose
 * size (a list's length, or an integer) multiplies the field and everything under it.
 */
export interface FieldCost {
  cost?: number;
  multiplier?: string;
  /** A data-driven price ({@link DATA_PRICES}) in place of `cost` and `multiplier`. */
  price?: DataPriceName;
}

/** What data-driven prices read: the caller's ledger sizes and today's date. */
export interface PricingData {
  sizes: LedgerSizes;
  /** YYYY-MM-DD */
  today: string;
}

/** An operation's price, and whether it read the ledger sizes it was given. */
export interface OperationPrice {
  cost: number;
  readsLedger: boolean;
}

const DEFAULT_MULTIPLIER_WHEN_UNKNOWN = 100;

/**
 * The cost of one operation of `document`: each field costs its declared cost plus its
 * selections' cost, times its multiplier's size. Introspection costs nothing. Computed
 * on the validated document, before execution.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
  data?: PricingData,
): number {
  return priceOperation(schema, document, operationName, variables, data).cost;
}

/**
 * {@link queryCost}, saying also whether a price read the ledger sizes: the caller
 * prices first with an empty ledger and, only when it did, again with the sizes of
 * the caller's portfolios (which cost a lookup).
 */
export function priceOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
  data: PricingData = { sizes: EMPTY_LEDGER, today: new Date().toISOString().slice(0, 10) },
): OperationPrice {
  let readsLedger = false;
  const operation = selectedOperation(document, operationName);
  if (!operation) return { cost: 0, readsLedger };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { cost: 0, readsLedger };

  const argumentsOf = (field: GraphQLField<unknown, unknown>, node: FieldNode) => {
    const values: Record<string, unknown> = {};
    for (const argument of field.args) {
      const ast = node.arguments?.find((a) => a.name.value === argument.name);
      values[argument.name] = ast
        ? valueFromAST(ast.value, argument.type, variables)
        : argument.defaultValue;
    }
    return values;
  };

  const sizeOf = (field: GraphQLField<unknown, unknown>, node: FieldNode, name: string) => {
    const argument = field.args.find((a) => a.name === name);
    const ast = node.arguments?.find((a) => a.name.value === name);
    let value: unknown = argument?.defaultValue;
    if (argument && ast) value = valueFromAST(ast.value, argument.type, variables);
    if (Array.isArray(value)) return value.length;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
    return DEFAULT_MULTIPLIER_WHEN_UNKNOWN;
  };

  // Each fragment is priced once (its type condition fixes its type), so pricing is
  // linear in the document's size however often fragments spread each other.
  const fragmentCost = fragmentMemo<number>(
    document,
    (fragment) => {
      const target = schema.getType(fragment.typeCondition.name.value);
      return target ? costOf(target, fragment.selectionSet) : 0;
    },
    0,
  );
  function costOf(type: GraphQLNamedType, selectionSet: SelectionSetNode): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) ?? type)
          : type;
        total += costOf(target, selection.selectionSet);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total += fragmentCost(selection.name.value) ?? 0;
        continue;
      }
      if (selection.name.value.startsWith('__')) continue;
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const declared = (field.extensions as FieldCost | undefined) ?? {};
      const fieldType = getNamedType(field.type);
      const children = selection.selectionSet ? costOf(fieldType, selection.selectionSet) : 0;
      if (declared.price) {
        if (LEDGER_PRICES.has(declared.price)) readsLedger = true;
        const price = DATA_PRICES[declared.price](
          argumentsOf(field, selection),
          data.sizes,
          data.today,
        );
        total += price.size * (price.own + children);
        continue;
      }
      const own = declared.cost ?? (isCompositeType(fieldType) ? 1 : 0);
      const size = declared.multiplier ? sizeOf(field, selection, declared.multiplier) : 1;
      total += size * (own + children);
    }
    return total;
  }
  return { cost: costOf(root, operation.selectionSet), readsLedger };
}

/**
 * Throws QUERY_TOO_COMPLEX (with `cost` and `maxCost`) when an operation costs more
 * than the plan allows: the one check HTTP and WebSocket share.
 */
export function assertAffordable(
  requested: number,
  plan: Pick<PlanLimits, 'name' | 'maxQueryCost'>,
): void {
  if (requested > plan.maxQueryCost) {
    throw new QueryTooComplexError(
      `This operation costs ${displayCount(requested)}; the ${plan.name} plan allows ${plan.maxQueryCost} per operation`,
      { cost: displayCount(requested), maxCost: plan.maxQueryCost },
    );
  }
}

/** What {@link priceFor} reads the caller's ledger sizes from. */
export interface LedgerSizesSource {
  sizesOf(viewer: Viewer, ids: readonly string[] | null): Promise<LedgerSizes>;
}

/**
 * The cost of an operation for `viewer`, HTTP and WebSocket alike: priced with an
 * empty ledger, and again with the sizes of the portfolios it reads when a price read
 * them (so most operations cost no lookup). Capped at what JSON can carry.
 */
export async function priceFor(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  viewer: Viewer | null | undefined,
  ledgers: LedgerSizesSource,
): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  const first = priceOperation(schema, document, operationName, variables, {
    sizes: EMPTY_LEDGER,
    today,
  });
  if (!first.readsLedger || !viewer) return displayCount(first.cost);
  const scope = portfolioScope(schema, document, operationName, variables);
  const sizes = await ledgers.sizesOf(viewer, scope);
  return displayCount(
    priceOperation(schema, document, operationName, variables, { sizes, today }).cost,
  );
}
