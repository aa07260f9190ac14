import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { Context } from '../context';
import type { Scope } from '../domain/viewer';
import { ForbiddenError } from '../errors/errors';
import { AccountResolver } from '../resolvers/account.resolver';
import { BrokerResolver } from '../resolvers/broker.resolver';
import { CompanyResolver } from '../resolvers/company.resolver';
import { PerformanceResolver } from '../resolvers/performance.resolver';
import { FxResolver } from '../resolvers/fx.resolver';
import { PlanResolver } from '../resolvers/plan.resolver';
import { HoldingResolver, PortfolioResolver } from '../resolvers/portfolio.resolver';
import { QuoteResolver } from '../resolvers/quote.resolver';
import { SecurityResolver } from '../resolvers/security.resolver';
import { SubscriptionResolver } from '../resolvers/subscription.resolver';
import { ViewerResolver } from '../resolvers/viewer.resolver';

/** Builds the executable schema from the type-graphql resolvers. */
export function buildYieldflowSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      AccountResolver,
      BrokerResolver,
      CompanyResolver,
      FxResolver,
      HoldingResolver,
      PerformanceResolver,
      PlanResolver,
      PortfolioResolver,
      QuoteResolver,
      SecurityResolver,
      SubscriptionResolver,
      ViewerResolver,
    ],
    // Subscriptions bring their own event sources (QuoteStream); type-graphql's topic
    // PubSub is not used, and refuses if something tries to.
    pubSub: {
      publish: () => {
        throw new Error('topic pub/sub is not used; subscriptions define subscribe()');
      },
      subscribe: () => {
        throw new Error('topic pub/sub is not used; subscriptions define subscribe()');
      },
    },
    // Scopes are checked per field: a key without the scope gets FORBIDDEN for it.
    authChecker: ({ context }: { context: Context }, scopes: string[]) => {
      const granted = context.viewer?.scopes ?? [];
      const missing = scopes.filter((scope) => !granted.includes(scope as Scope));
      if (missing.length > 0) {
        throw new ForbiddenError(`This API key lacks the scope ${missing.join(', ')}`, {
          scopes: missing,
        });
      }
      return true;
    },
    validate: false,
    emitSchemaFile: false,
  });
}
