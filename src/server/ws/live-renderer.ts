import {
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';

/** Formats one execution error for the wire (the gateway's error formatter). */
export type FormatError = (
  formatted: GraphQLFormattedError,
  error: unknown,
) => GraphQLFormattedError;

/**
 * What makes two live subscriptions render an event to the same bytes: the operation
 * and root field names (the response keys), the root field's selection and the
 * document's fragments, and the values of the variables used there. The root field's
 * own arguments (which symbols, which throttle) do not change the rendering. Null when
 * the root selection is not a plain field: such a subscription renders alone.
 */
export function selectionKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string | null {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections[0];
  if (!operation || root?.kind !== Kind.FIELD || operation.selectionSet.selections.length !== 1) {
    return null;
  }
  const fragments = document.definitions
    .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => print(d))
    .sort();
  const used = new Set<string>();
  const collect = {
    Variable: (node: { name: { value: string } }) => void used.add(node.name.value),
  };
  if (root.selectionSet) visit(root.selectionSet, collect);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
  }
  const values = [...used].sort().map((name) => [name, variables?.[name] ?? null]);
  return JSON.stringify([
    operation.name?.value ?? null,
    (root.alias ?? root.name).value,
    root.selectionSet ? print(root.selectionSet) : '',
    fragments,
    values,
  ]);
}

/**
 * Renders live events to the JSON of a graphql-ws `next` payload, once per event and
 * selection: every subscriber of a symbol receives the same event object, and those
 * with the same selection ({@link selectionKey}) share one execution and one
 * serialization. Entries live as long as the event object (a WeakMap).
 */
export class LiveRenderer {
  private readonly rendered = new WeakMap<object, Map<string, Rendering>>();
  /** Executions made (for tests and the bench). */
  executions = 0;

  constructor(private readonly formatError: FormatError) {}

  /**
   * Calls `deliver` with the payload: at once when this event was already rendered for
   * this selection, else when its one execution ends (no promise per subscriber).
   */
  render(event: object, key: string | null, args: ExecutionArgs, deliver: Deliver): void {
    if (key === null) {
      void this.execute(event, args).then(deliver, this.failed);
      return;
    }
    let byKey = this.rendered.get(event);
    if (!byKey) {
      byKey = new Map();
      this.rendered.set(event, byKey);
    }
    const rendering = byKey.get(key);
    if (rendering?.payload !== undefined) {
      deliver(rendering.payload);
      return;
    }
    if (rendering) {
      rendering.waiting.push(deliver);
      return;
    }
    const fresh: Rendering = { payload: undefined, waiting: [deliver] };
    byKey.set(key, fresh);
    void this.execute(event, args).then((payload) => {
      fresh.payload = payload;
      const waiting = fresh.waiting;
      fresh.waiting = [];
      for (const waiter of waiting) waiter(payload);
    }, this.failed);
  }

  /** Told when an execution throws (it should not: errors are part of the result). */
  failed: (error: Error) => void = () => undefined;

  private async execute(event: object, args: ExecutionArgs): Promise<string> {
    this.executions += 1;
    const result = (await execute({ ...args, rootValue: event })) as ExecutionResult;
    return JSON.stringify(formatResult(result, this.formatError));
  }
}

type Deliver = (payload: string) => void;

interface Rendering {
  payload: string | undefined;
  waiting: Deliver[];
}

/** An execution result with its errors formatted for the wire. */
export function formatResult(result: ExecutionResult, formatError: FormatError) {
  if (!result.errors) return result;
  return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
}
