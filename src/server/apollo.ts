import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/env.schema';
import type { Context } from '../context';
import type { Metrics } from '../observability/metrics';
import { authGuardPlugin } from './plugins/auth-guard.plugin';
import {
  decimalFieldPlugin,
  errorLoggingPlugin,
  inputErrorStatusPlugin,
  type createFormatError,
} from './plugins/errors.plugin';
import { httpSubscriptionPlugin } from './plugins/http-subscription.plugin';
import { metricsPlugin } from './plugins/metrics.plugin';
import { nulInputPlugin } from './plugins/nul-input.plugin';
import { queryCostPlugin } from './plugins/query-cost.plugin';
import { responseCachePlugin } from './plugins/response-cache.plugin';
import type { ResponseCache } from './response-cache';
import { jitGateway } from './jit-executor';
import { usagePlugin } from './plugins/usage.plugin';
import { GATEWAY_RULES, MAX_SELECTIONS, MAX_TOKENS } from './validation-rules';

/** Creates (but does not start) the Apollo Server with the gateway's plugins. */
export function createApollo(options: {
  schema: GraphQLSchema;
  config: Config;
  metrics: Metrics;
  /** The error formatter, shared with the WebSocket endpoint. */
  formatError: ReturnType<typeof createFormatError>;
  responseCache: ResponseCache;
}): ApolloServer<Context> {
  const development = options.config.env === 'development';
  return new ApolloServer<Context>({
    // graphql-jit executes (measured: bench/execution.ts); the schema comes through it.
    gateway: jitGateway(options.schema),
    introspection: !options.config.isProduction,
    hideSchemaDetailsFromClientErrors: options.config.isProduction,
    includeStacktraceInErrorResponses: development,
    csrfPrevention: true,
    // Shutdown is ours (src/server/shutdown.ts): Apollo's handler would re-raise the signal.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: MAX_TOKENS },
    // Apollo's recursion guard runs before every other rule: a second line behind the
    // selection count of depthLimitRule, which WebSocket shares.
    maxRecursiveSelections: MAX_SELECTIONS,
    validationRules: GATEWAY_RULES,
    formatError: options.formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      errorLoggingPlugin(),
      decimalFieldPlugin(),
      inputErrorStatusPlugin(),
      metricsPlugin(options.metrics),
      authGuardPlugin(),
      httpSubscriptionPlugin(),
      nulInputPlugin(),
      queryCostPlugin(),
      // After the auth guard and the cost check: a cached answer is only for who may ask.
      responseCachePlugin(options.responseCache),
      usagePlugin(),
    ],
  });
}
