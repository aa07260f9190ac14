import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { anyJson, inputValueFor, jsonFor, type Mistakes } from './input-values';
import { brokenText, pathologicalDocument, type FuzzDocument } from './pathological-documents';

/**
 * How many levels of fragments spreading the next one twice the suite generates (2^N
 * expansions of the last fragment, from a document of about a kilobyte). Before the
 * document analysis was linear (issue 14), 18 levels took 2-3 s and 22 about 16 s; it
 * stays here so that such a regression fails the suite within its time bound.
 */
export const FRAGMENT_FAN_OUT_DEPTH = 24;

/** Deepest field nesting the random walk generates (the gateway refuses past 10). */
const MAX_WALK_DEPTH = 4;

/** A piece of a document with the fragment definitions and variables it needs. */
interface Piece {
  text: string;
  fragments: string[];
  variables: Array<{ name: string; type: string; value: unknown }>;
}

const piece = (text: string, parts: Piece[] = []): Piece => ({
  text,
  fragments: parts.flatMap((p) => p.fragments),
  variables: parts.flatMap((p) => p.variables),
});

/** A short stable name for a text, so that equal fragments or variables share one name. */
function nameOf(prefix: string, text: string): string {
  let hash = 5381;
  for (let i = 0; i < text.length; i += 1) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return `${prefix}${hash.toString(36)}`;
}

// Wrong declared types for a variable: a scalar of another kind, a list, a made-up type.
const WRONG_VARIABLE_TYPES = ['Int', 'String!', 'Float', '[String!]!', 'Boolean!', 'Nope', 'ID'];

/** `arbitrary` one time in `n`, else null. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

function argumentPiece(arg: GraphQLArgument, mistakes: Mistakes): fc.Arbitrary<Piece> {
  const inline = inputValueFor(arg.type, mistakes).map((v) => piece(`${arg.name}: ${v.literal}`));
  const declared = fc.constant(String(arg.type));
  const variable = fc
    .tuple(
      mistakes
        ? fc.oneof(
            { weight: 3, arbitrary: declared },
            { weight: 1, arbitrary: fc.constantFrom(...WRONG_VARIABLE_TYPES) },
          )
        : declared,
      mistakes
        ? fc.oneof(
            { weight: 4, arbitrary: jsonFor(arg.type) },
            { weight: 1, arbitrary: anyJson },
            { weight: 1, arbitrary: fc.constant(undefined) },
          )
        : jsonFor(arg.type, 2, false),
    )
    .map(([type, value]) => {
      const name = nameOf('v', `${arg.name}:${type}:${JSON.stringify(value) ?? ''}`);
      return {
        text: `${arg.name}: $${name}`,
        fragments: [],
        variables: [{ name, type, value }],
      };
    });
  return fc.oneof({ weight: 3, arbitrary: inline }, { weight: 1, arbitrary: variable });
}

function argumentsPiece(
  field: GraphQLField<unknown, unknown>,
  string: GraphQLInputType,
  mistakes: Mistakes,
): fc.Arbitrary<Piece> {
  const each = field.args.map((arg) => {
    const argument = argumentPiece(arg, mistakes);
    if (isNonNullType(arg.type) && arg.defaultValue === undefined) {
      // A required argument left out is a mistake.
      return mistakes ? fc.option(argument, { freq: 8 }) : argument;
    }
    return fc.option(argument, { freq: 2 });
  });
  const unknownArgument = mistakes
    ? rarely(
        inputValueFor(field.args[0]?.type ?? string, true).map((v) => piece(`nope: ${v.literal}`)),
        12,
      )
    : fc.constant(null);
  return fc.tuple(fc.tuple(...each), unknownArgument).map(([args, extra]) => {
    const present = [...args, extra].filter((p): p is Piece => p !== null);
    if (present.length === 0) return piece('');
    return piece(`(${present.map((p) => p.text).join(', ')})`, present);
  });
}

/** Builds documents from a schema's types. */
export class DocumentGenerator {
  private readonly selections = new Map<string, fc.Arbitrary<Piece>>();
  // The type of made-up arguments on fields that declare none.
  private readonly string: GraphQLInputType;

  constructor(
    private readonly schema: GraphQLSchema,
    /** Whether documents may be invalid: unknown names, wrong types, missing selections. */
    private readonly mistakes: Mistakes,
  ) {
    this.string = schema.getType('String') as GraphQLInputType;
  }

  /** A selection set of `type` nested at most `depth` more fields. */
  selectionSet(type: GraphQLCompositeType, depth: number): fc.Arbitrary<Piece> {
    const key = `${type.name}:${depth}`;
    let cached = this.selections.get(key);
    if (!cached) {
      cached = fc
        .array(this.selection(type, depth), { minLength: 1, maxLength: 4 })
        .map((parts) => piece(`{ ${parts.map((p) => p.text).join(' ')} }`, parts));
      this.selections.set(key, cached);
    }
    return cached;
  }

  private selection(type: GraphQLCompositeType, depth: number): fc.Arbitrary<Piece> {
    const options: Array<fc.WeightedArbitrary<Piece>> = [
      { weight: 1, arbitrary: fc.constant(piece('__typename')) },
    ];
    if (this.mistakes) {
      options.push({
        weight: 1,
        arbitrary: fc.constantFrom('nope', 'Symbol', 'price_', '__nope').map((n) => piece(n)),
      });
    }
    if (!isAbstractType(type)) {
      options.push({ weight: 8, arbitrary: this.field(type, depth) });
    }
    if (depth > 0) {
      const targets = isAbstractType(type) ? this.schema.getPossibleTypes(type) : [type];
      const onType = fc.constantFrom(...targets);
      options.push(
        {
          weight: isAbstractType(type) ? 6 : 1,
          arbitrary: onType.chain((t) =>
            this.selectionSet(t, depth - 1).map((s) => piece(`... on ${t.name} ${s.text}`, [s])),
          ),
        },
        { weight: 1, arbitrary: this.spread(type, depth - 1) },
      );
    }
    return fc.oneof(...options);
  }

  /** A named fragment on `type`, spread one to three times. */
  private spread(type: GraphQLCompositeType, depth: number): fc.Arbitrary<Piece> {
    return fc
      .tuple(this.selectionSet(type, depth), fc.integer({ min: 1, max: 3 }))
      .map(([body, times]) => {
        const name = nameOf('F', `${type.name}${body.text}`);
        const spreads = Array(times).fill(`...${name}`).join(' ');
        return {
          text: spreads,
          fragments: [`fragment ${name} on ${type.name} ${body.text}`, ...body.fragments],
          variables: body.variables,
        };
      });
  }

  private field(type: GraphQLObjectType, depth: number): fc.Arbitrary<Piece> {
    const fields = Object.values(type.getFields());
    return fc.constantFrom(...fields).chain((field) => {
      const named = getNamedType(field.type);
      const sub: fc.Arbitrary<Piece | null> = !isCompositeType(named)
        ? fc.constant(null)
        : depth > 0 && this.mistakes
          ? // Now and then a composite field without a selection (a validation error).
            fc.option(this.selectionSet(named, depth - 1), { freq: 15, nil: null })
          : this.selectionSet(named, Math.max(depth - 1, 0));
      // Aliases named after the field and its arguments never conflict; shared ones may.
      const alias = this.mistakes
        ? rarely(fc.constantFrom('a', 'b', field.name), 5)
        : rarely(fc.constant(''), 4);
      const args = argumentsPiece(field, this.string, this.mistakes);
      return fc.tuple(alias, args, sub).map(([a, args, s]) => {
        const parts = s ? [args, s] : [args];
        const call = `${field.name}${args.text}`;
        const name = a === '' ? nameOf('a', call) : a;
        const head = name ? `${name}: ${call}` : call;
        return piece(s ? `${head} ${s.text}` : head, parts);
      });
    });
  }

  /** An operation on a root type, with its variable definitions and fragments. */
  operation(kind: 'query' | 'mutation' | 'subscription'): fc.Arbitrary<FuzzDocument> {
    const root =
      kind === 'query'
        ? this.schema.getQueryType()
        : kind === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    if (!root || !isObjectType(root)) throw new Error(`the schema has no ${kind} type`);
    return fc
      .tuple(this.selectionSet(root, MAX_WALK_DEPTH), fc.option(fc.constantFrom('Op', 'Fuzz')))
      .map(([body, name]) => {
        const variables = new Map(body.variables.map((v) => [v.name, v]));
        const declared = [...variables.values()].map((v) => `$${v.name}: ${v.type}`);
        const head = `${kind}${name ? ` ${name}` : ''}${declared.length ? `(${declared.join(', ')})` : ''}`;
        const fragments = [...new Set(body.fragments)];
        const values = Object.fromEntries(
          [...variables.values()]
            .filter((v) => v.value !== undefined)
            .map((v) => [v.name, v.value]),
        );
        return {
          query: [`${head} ${body.text}`, ...fragments].join('\n'),
          variables: values,
          operationName: name ?? undefined,
        };
      });
  }

  /** An operation of any kind. */
  walk(): fc.Arbitrary<FuzzDocument> {
    return fc.oneof(
      { weight: 8, arbitrary: this.operation('query') },
      { weight: 2, arbitrary: this.operation('mutation') },
      { weight: 2, arbitrary: this.operation('subscription') },
    );
  }
}

/**
 * Any document for `schema`: a valid walk of its types with extreme values, a walk with
 * mistakes, a pathological shape, or broken text.
 */
export function documentArbitrary(schema: GraphQLSchema): fc.Arbitrary<FuzzDocument> {
  const valid = new DocumentGenerator(schema, false).walk();
  const invalid = new DocumentGenerator(schema, true).walk();
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 6, arbitrary: invalid },
    { weight: 3, arbitrary: pathologicalDocument(FRAGMENT_FAN_OUT_DEPTH) },
    { weight: 2, arbitrary: invalid.chain(brokenText) },
  );
}
