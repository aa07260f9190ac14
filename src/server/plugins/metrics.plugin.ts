import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { ErrorCode } from '../../errors/codes';
import type { Metrics } from '../../observability/metrics';
import { APOLLO_INPUT_CODES } from './errors.plugin';

/**
 * Operation names a process uses as metric labels: the first this many it sees. Names
 * come from callers, and each is a histogram's worth of series (per outcome), so the
 * rest (and names that are not plain identifiers) are labelled `other`.
 */
export const MAX_OPERATION_LABELS = 100;

const OUTCOMES: ReadonlySet<string> = new Set([...Object.values(ErrorCode), ...APOLLO_INPUT_CODES]);

/**
 * Records each operation's duration by operation name and outcome (`success`, or the
 * first error's code: one of the contract's or Apollo's, else `error`), and counts it by
 * the caller's plan and outcome. Operation names are bounded by {@link MAX_OPERATION_LABELS}.
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
        async willSendResponse({ request, operationName, errors, contextValue }) {
          const code = errors?.[0]?.extensions?.code;
          const outcome = errors?.length
            ? typeof code === 'string' && OUTCOMES.has(code)
              ? code
              : 'error'
            : 'success';
          end({ operation: label(operationName ?? request.operationName), outcome });
          metrics.graphqlRequests.inc({ plan: contextValue.viewer?.plan ?? 'anonymous', outcome });
        },
      };
    },
  };
}
