import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { fanOutFragments } from '../../../scripts/fuzz/pathological-documents';
import { aliasLimitRule, depthLimitRule } from '../../../src/server/validation-rules';

const schema = buildSchema('type Node { name: String, child: Node } type Query { node: Node }');
const errorsOf = (query: string) =>
  validate(schema, parse(query), [...specifiedRules, depthLimitRule, aliasLimitRule]).map((e) => ({
    message: e.message,
    code: e.extensions.code,
  }));
const nested = (levels: number) => {
  let selection = 'name';
  for (let i = 1; i < levels; i += 1) selection = `child { ${selection} }`;
  return `{ node { ${selection} } }`;
};

describe('validation rules', () => {
  it('accepts depth 10 and refuses 11 with QUERY_TOO_COMPLEX, through fragments too', () => {
    expect(errorsOf(nested(9))).toEqual([]);
    expect(errorsOf(nested(10))).toEqual([
      { message: 'Query depth 11 exceeds the maximum of 10', code: 'QUERY_TOO_COMPLEX' },
    ]);
    const viaFragments = `{ node { ...A } } fragment A on Node { child { child { ...B } } }
      fragment B on Node { child { child { child { child { child { child { child { child { name } } } } } } } } }`;
    expect(errorsOf(viaFragments).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('accepts 20 aliases and refuses 21', () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: node { name }`).join(' ')} }`;
    expect(errorsOf(aliases(20))).toEqual([]);
    expect(errorsOf(aliases(21))).toEqual([
      { message: '21 aliases exceed the maximum of 20', code: 'QUERY_TOO_COMPLEX' },
    ]);
  });
});

/** `levels` fragments on Node, each spreading the next twice: 2^levels spreads written out. */
const fanOutDocument = (levels: number, leaf: string) =>
  fanOutFragments({ root: '{ node { $ } }', type: 'Node', levels, leaf });

describe('validation rules on fragments that spread each other', () => {
  it('measures each fragment once: 2^60 spreads are refused at once, by their expanded size', () => {
    const started = performance.now();
    const errors = errorsOf(fanOutDocument(60, 'name child { name }'));
    // The old walk followed every spread (2^60 visits): it would never return.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errors).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
    expect(errors[0].message).toMatch(/selects \d+ fields with its fragments expanded/);
  });

  it('counts depth and expanded selections through shared fragments exactly', () => {
    // 2^3 copies of the leaf's 3 selections, plus the 2 spreads of each of 3 fragments
    // counted as many times as they are reached (2 + 4 + 8), plus `node` and its spread.
    const small = fanOutDocument(3, 'name child { name }');
    expect(errorsOf(small)).toEqual([]);
    const deep = fanOutDocument(3, nested(10).slice(9, -4));
    expect(errorsOf(deep).map((e) => e.message)).toEqual([
      'Query depth 11 exceeds the maximum of 10',
    ]);
  });

  it('refuses more than 20,000 expanded selections and accepts what fits', () => {
    // 2^n leaves of 2 fields each, plus the spreads themselves.
    expect(errorsOf(fanOutDocument(12, 'name'))).toEqual([]);
    expect(errorsOf(fanOutDocument(14, 'name')).map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
