import { buildSchema, parse, specifiedRules, validate } from 'graphql';
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
