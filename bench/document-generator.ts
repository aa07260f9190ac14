import {
  getNamedType,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';

/** The simulator's seeded generator: the same seed makes the same documents. */
export { seededRandom as randomSource } from '../src/datasources/providers/simulator/random';

/** What argument values the generator may use, by argument name. */
export interface ArgumentPools {
  dates: string[];
  symbols: string[];
  ints: Record<string, number[]>;
}

/**
 * Valid random selections of a schema's object types: a random subset of each type's
 * fields, sub-selections down to `depth`, arguments drawn from `pools` (skipped, so
 * that their defaults apply, half the time when optional).
 */
export class DocumentGenerator {
  constructor(
    private readonly random: () => number,
    private readonly pools: ArgumentPools,
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private value(argument: GraphQLArgument): string | undefined {
    const required = isNonNullType(argument.type) && argument.defaultValue === undefined;
    if (!required && this.random() < 0.5) return undefined;
    const type = getNamedType(argument.type as GraphQLInputType);
    const symbolLike =
      argument.name.toLowerCase().includes('symbol') || argument.name === 'benchmark';
    // Strings the pools know nothing of (cursors, ids): left to their defaults.
    if (type.name === 'String' && !symbolLike && !required) return undefined;
    const list = isListType(isNonNullType(argument.type) ? argument.type.ofType : argument.type);
    const one = (): string => {
      if (isEnumType(type)) return this.pick(type.getValues()).name;
      if (type.name === 'Date') return JSON.stringify(this.pick(this.pools.dates));
      if (type.name === 'Int')
        return String(this.pick(this.pools.ints[argument.name] ?? [1, 5, 10]));
      return JSON.stringify(this.pick(this.pools.symbols));
    };
    if (!list) return one();
    return `[${Array.from({ length: 1 + Math.floor(this.random() * 20) }, one).join(', ')}]`;
  }

  /** A selection set of `type`: at least one field. */
  selection(type: GraphQLObjectType, depth: number): string {
    const fields = Object.values(type.getFields()).filter((f) => {
      const named = getNamedType(f.type);
      return isLeafType(named) || (isObjectType(named) && depth > 0);
    });
    const chosen = fields.filter(() => this.random() < 0.4);
    if (chosen.length === 0)
      chosen.push(this.pick(fields.filter((f) => isLeafType(getNamedType(f.type)))));
    return chosen
      .map((field) => {
        const args = field.args
          .map((argument) => [argument.name, this.value(argument)] as const)
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => `${name}: ${value}`);
        const named = getNamedType(field.type);
        const inner = isObjectType(named) ? ` { ${this.selection(named, depth - 1)} }` : '';
        return `${field.name}${args.length ? `(${args.join(', ')})` : ''}${inner}`;
      })
      .join(' ');
  }
}
