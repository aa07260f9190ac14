import { buildSchema, parse, type GraphQLObjectType } from 'graphql';
import { assertArgumentBounds } from '../../../src/server/argument-bounds';

function schemaWithBounds() {
  const schema = buildSchema(`
    type Item { name: String, children(first: Int): [Item!]! }
    type Query {
      search(limit: Int, tags: [String!], text: String): [Item!]!
      free(limit: Int): Int
    }
  `);
  Object.assign(schema.getQueryType()!.getFields().search, {
    extensions: {
      bounds: {
        limit: { min: 1, max: 50 },
        tags: { min: 0, max: 3 },
        text: { min: 1, max: 5, trim: true },
      },
    },
  });
  const item = schema.getType('Item') as GraphQLObjectType;
  Object.assign(item.getFields().children, {
    extensions: { bounds: { first: { min: 0, max: 10 } } },
  });
  return schema;
}

const check = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  assertArgumentBounds(schemaWithBounds(), parse(query), operationName, variables);

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return {
      message: (error as Error).message,
      extensions: (error as { extensions: unknown }).extensions,
    };
  }
  throw new Error('not refused');
};

describe('assertArgumentBounds', () => {
  it('accepts values in range, unbounded arguments and absent ones', () => {
    expect(
      check('{ search(limit: 50, tags: ["a"], text: " abc ") { name } free(limit: -5) }'),
    ).toEqual({});
    expect(check('query($l: Int) { search(limit: $l) { name } }')).toEqual({});
  });

  it('refuses an Int, a list and a trimmed string out of range, naming field, argument and range', () => {
    expect(refusal(() => check('{ search(limit: 0) { name } }'))).toEqual({
      message: 'search(limit:) must be between 1 and 50; got 0',
      extensions: { code: 'BAD_USER_INPUT', argument: 'limit', field: 'search', min: 1, max: 50 },
    });
    expect(refusal(() => check('{ search(tags: ["a","b","c","d"]) { name } }')).message).toBe(
      'search(tags:) must have 0 to 3 items; got 4',
    );
    expect(refusal(() => check('{ search(text: "    ") { name } }')).message).toBe(
      'search(text:) must be 1 to 5 characters long (trimmed); got 0',
    );
  });

  it('checks coerced variables, and refuses a variable its type cannot hold', () => {
    expect(
      refusal(() => check('query($l: Int) { search(limit: $l) { name } }', { l: 51 })).message,
    ).toMatch(/got 51/);
    const huge = refusal(() =>
      check('query($l: Int) { search(limit: $l) { name } }', { l: 9_007_199_254_740_992 }),
    );
    expect(huge.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLE_COERCION' });
    expect(huge.message).toMatch(/non 32-bit signed integer/);
    // A single value where a list is expected is coerced to a list of one.
    expect(check('query($t: [String!]) { search(tags: $t) { name } }', { t: 'a' })).toEqual({
      t: ['a'],
    });
  });

  it('sees arguments inside fragments and nested fields, of the chosen operation only', () => {
    expect(() =>
      check('{ search { ...F } } fragment F on Item { children(first: 11) { name } }'),
    ).toThrow('children(first:) must be between 0 and 10; got 11');
    expect(check('query A { free } query B { search(limit: 0) { name } }', {}, 'A')).toEqual({});
  });

  // As deep as the gateway's 5,000-token limit lets a document be.
  it('walks a document nested 1,600 deep without overflowing the stack', () => {
    const depth = 1_600;
    const query = `{ search { ${'children { '.repeat(depth)}name${' }'.repeat(depth)} } }`;
    expect(() => check(query)).not.toThrow();
  });
});
