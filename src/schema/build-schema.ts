import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CompanyResolver } from '../resolvers/company.resolver';
import { PlanResolver } from '../resolvers/plan.resolver';
import { QuoteResolver } from '../resolvers/quote.resolver';
import { ViewerResolver } from '../resolvers/viewer.resolver';

/** Builds the executable schema from the type-graphql resolvers. */
export function buildYieldflowSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [CompanyResolver, PlanResolver, QuoteResolver, ViewerResolver],
    validate: false,
    emitSchemaFile: false,
  });
}
