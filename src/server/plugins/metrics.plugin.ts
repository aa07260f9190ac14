import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import type { Metrics } from '../../observability/metrics';

const MAX_OPERATION_LABELS = 500;

/**
 * Records each operation's duration by operation name and outcome (`success`, or the
 * first error's code). Operation names come from clients, so they are bounded: names
 * that are not plain identifiers, and names past the first 500 seen, count as `other`.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!/^\w{1,64}$/.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_LABELS) return 'other';
    seen.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const end = metrics.graphqlDuration.startTimer();
      return {
        // Apollo keeps parsed and validated documents (its document store): a document
        // seen before is neither parsed nor validated again, and this is not called.
        async parsingDidStart() {
          metrics.documentsParsed.inc();
        },
        async willSendResponse({ request, operationName, errors }) {
          const code = errors?.[0]?.extensions?.code;
          end({
            operation: label(operationName ?? request.operationName),
            outcome: errors?.length ? (typeof code === 'string' ? code : 'error') : 'success',
          });
        },
      };
    },
  };
}
