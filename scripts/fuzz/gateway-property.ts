import fc from 'fast-check';
import { documentArbitrary } from './document-arbitrary';
import {
  type FuzzTarget,
  KNOWN_ISSUES,
  problemsOf,
  requestArbitrary,
  TIME_BOUND_MS,
  type Answer,
  type FuzzEndpoint,
  type FuzzRequest,
} from './fuzz-target';
import type { GraphQLSchema } from 'graphql';

/** The seed of a run when FUZZ_SEED is unset: fixed, so that CI runs are repeatable. */
export const DEFAULT_FUZZ_SEED = 20_261_202;

/** What each answer was, counted, so that a run can show it reached every path. */
export type Tally = Map<string, number>;

/** `transport:outcome`, e.g. `post:data`, `ws:BAD_USER_INPUT`, `ws:closed 4403`. */
export function outcomeOf(answer: Answer): string {
  const outcome =
    answer.closeCode !== undefined
      ? `closed ${answer.closeCode}`
      : answer.codes.length > 0
        ? String(answer.codes[0])
        : answer.hasData
          ? 'data'
          : answer.excerpt;
  return `${answer.transport}:${outcome}`;
}

/**
 * The property: every request built from `schema` is answered within
 * {@link TIME_BOUND_MS} with contract codes and no 5xx, and `/healthz` still answers.
 */
export function gatewayProperty(
  schema: GraphQLSchema,
  endpoint: FuzzEndpoint & { baseUrl: string },
  target: FuzzTarget,
  tally: Tally = new Map(),
): fc.IAsyncProperty<[FuzzRequest]> {
  const requests = requestArbitrary(documentArbitrary(schema));
  return fc.asyncProperty(requests, async (request) => {
    const answer = await target.send(request);
    const outcome = outcomeOf(answer);
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    const problems = problemsOf(answer);
    const known = problems.length > 0 && KNOWN_ISSUES.find((i) => i.matches(request, answer));
    if (known) {
      tally.set(`known:${known.id}`, (tally.get(`known:${known.id}`) ?? 0) + 1);
      problems.length = 0;
    }
    const health = await fetch(`${endpoint.baseUrl}/healthz`, {
      signal: AbortSignal.timeout(TIME_BOUND_MS),
    }).then(
      (r) => r.status,
      (error: Error) => error.message,
    );
    if (health !== 200) problems.push(`GET /healthz then answered ${health}`);
    if (problems.length > 0) {
      throw new Error(
        `${problems.join('; ')} (${answer.transport}, HTTP ${answer.status ?? '-'}, ${answer.ms} ms): ${answer.excerpt}`,
      );
    }
  });
}
