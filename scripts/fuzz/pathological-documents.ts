import fc from 'fast-check';

/** A GraphQL request's parameters: the document, its variables, the operation to run. */
export interface FuzzDocument {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

const doc = (query: string): FuzzDocument => ({ query });

/** A document of fragments spreading each other: see {@link fanOutFragments}. */
export interface FanOut {
  /** The operation, with `$` where the first fragment is spread. */
  root: string;
  /** The fragments' type condition. */
  type: string;
  /** Fragments that spread the next one, each `fanOut` times. */
  levels: number;
  /** The selection of the last fragment. */
  leaf: string;
  fanOut?: number;
}

/**
 * `levels` fragments each spreading the next `fanOut` times, the last selecting `leaf`:
 * fanOut^levels expansions of the leaf from a document of a few hundred bytes. Analysis
 * that follows every spread takes exponential time on it; analysis linear in the
 * document does not.
 */
export function fanOutFragments({ root, type, levels, leaf, fanOut = 2 }: FanOut): string {
  const spreads = (i: number) =>
    Array<string>(fanOut)
      .fill(`...F${i + 1}`)
      .join(' ');
  const fragments = Array.from(
    { length: levels },
    (_, i) => `fragment F${i} on ${type} { ${spreads(i)} }`,
  );
  return [
    root.replace('$', '...F0'),
    ...fragments,
    `fragment F${levels} on ${type} { ${leaf} }`,
  ].join('\n');
}

/** 2^(levels - 1) expansions of a public Query field, or of a Company field. */
export function fanOutDocument(levels: number, on: 'Query' | 'Company' = 'Query'): string {
  return fanOutFragments(
    on === 'Query'
      ? { root: '{ $ }', type: 'Query', levels: levels - 1, leaf: 'plans { name }' }
      : {
          root: '{ company(symbol: "KO") { $ } }',
          type: 'Company',
          levels: levels - 1,
          leaf: 'symbol',
        },
  );
}

const aliasFlood = fc
  .tuple(fc.integer({ min: 15, max: 60 }), fc.constantFrom('__typename', 'plans { name }'))
  .map(([n, field]) =>
    doc(`{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`),
  );

const cyclicFragments = fc.constantFrom(
  doc('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }'),
  doc('query { ...A } fragment A on Query { plans { name } ...A }'),
  doc('{ company(symbol: "KO") { ...C } } fragment C on Company { quote { symbol } ...C }'),
  doc('{ ...Missing }'),
  doc('{ plans { name } } fragment Unused on Query { plans { name } }'),
  doc('{ ...A } fragment A on Query { plans { name } } fragment A on Query { me { id } }'),
  doc('{ ...Q } fragment Q on Quote { price }'),
);

const nesting = fc.integer({ min: 11, max: 1_500 });

const deep = fc.oneof(
  // Inline fragments do not add depth, but do add tokens and parser recursion.
  nesting.map((n) => doc(`{ ${'... on Query { '.repeat(n)}plans { name }${' }'.repeat(n)} }`)),
  nesting.map((n) => doc(`{ quotes(symbols: ${'['.repeat(n)}"KO"${']'.repeat(n)}) { price } }`)),
  nesting.map((n) => doc(`{ plans { ${'name '.repeat(n * 4)}} }`)),
  nesting.map((n) => doc(`{ plans ${'@include(if: true) '.repeat(n)}{ name } }`)),
  fc.constant(doc('{ plans @nope { name } }')),
  fc.constant(doc(`{ plans { name } } ${'#'.repeat(110 * 1024)}`)),
  fc.constant(doc(`{ plans(${'x: 1, '.repeat(900)}) { name } }`)),
);

/** Documents of shapes that have stalled or crashed GraphQL servers. */
export function pathologicalDocument(fanOutDepth: number): fc.Arbitrary<FuzzDocument> {
  return fc.oneof(
    fc
      .tuple(fc.integer({ min: 2, max: fanOutDepth }), fc.constantFrom('Query', 'Company'))
      .map(([levels, on]) => doc(fanOutDocument(levels, on as 'Query' | 'Company'))),
    aliasFlood,
    cyclicFragments,
    deep,
  );
}

const JUNK = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '$',
  '@',
  '!',
  ':',
  '...',
  '"',
  '"""',
  '\\',
  '#',
  '\u0000',
  '\ufeff',
  '&',
  '1e',
];

/** `document` with its text broken: cut, spliced with junk, or replaced outright. */
export function brokenText(document: FuzzDocument): fc.Arbitrary<FuzzDocument> {
  const { query } = document;
  const at = fc.integer({ min: 0, max: query.length });
  return fc
    .oneof(
      at.map((i) => query.slice(0, i)),
      fc
        .tuple(at, fc.constantFrom(...JUNK))
        .map(([i, junk]) => query.slice(0, i) + junk + query.slice(i)),
      at.map((i) => query.slice(0, i) + query.slice(i + 1)),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 16, unit: 'binary' }),
      fc.constantFrom('', ' ', '{', '}', 'query', 'subscription {', '{ plans { name }', '"""'),
    )
    .map((broken) => ({ ...document, query: broken }));
}
