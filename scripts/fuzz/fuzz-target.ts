import fc from 'fast-check';
import { anyJson } from './input-values';
import { LiveTarget } from './live-target';
import type { FuzzDocument } from './pathological-documents';

/** Every answer must arrive within this many milliseconds. */
export const TIME_BOUND_MS = 2_000;

/** The contract's codes a fuzzed request may get (INTERNAL_SERVER_ERROR is a failure). */
export const ACCEPTED_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'UPSTREAM_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
]);

/** WebSocket close codes of docs/live.md a fuzzed operation may cause. */
export const ACCEPTED_CLOSE_CODES: ReadonlySet<number> = new Set([1009, 4400, 4403, 4409, 4429]);

/**
 * Node's HTTP parser refuses a GET whose URL exceeds its header limit (16 KB) with a
 * bodiless 431 before the gateway sees the request; a long document belongs in a POST.
 */
const PARSER_REFUSALS: ReadonlySet<number> = new Set([431]);

/** How a fuzzed document is sent. */
export interface FuzzRequest {
  document: FuzzDocument;
  transport: 'post' | 'get' | 'ws';
  anonymous: boolean;
  /** Sent instead of the document's variables: a JSON value of the wrong type. */
  wrongVariables?: unknown;
  /** GET only: send Apollo's CSRF preflight header (without it Apollo refuses a GET). */
  preflight: boolean;
}

/** Builds requests around documents: transport, credentials, variables' JSON type. */
export function requestArbitrary(documents: fc.Arbitrary<FuzzDocument>): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    document: documents,
    transport: fc.oneof(
      { weight: 5, arbitrary: fc.constant('post' as const) },
      { weight: 2, arbitrary: fc.constant('get' as const) },
      { weight: 3, arbitrary: fc.constant('ws' as const) },
    ),
    anonymous: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
    // Variables that are not a map: a string, a number, a list.
    wrongVariables: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      anyJson.filter((v) => v !== null && (typeof v !== 'object' || Array.isArray(v))),
    ),
    preflight: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constant(false)),
  });
}

/** What came back, reduced to what the property checks. */
export interface Answer {
  transport: FuzzRequest['transport'];
  ms: number;
  status?: number;
  closeCode?: number;
  codes: unknown[];
  hasData: boolean;
  /** The start of the body, for reports. */
  excerpt: string;
}

/** The gateway under test: its URL and a FREE plan API key. */
export interface FuzzEndpoint {
  url: string;
  apiKey: string;
}

/** Sends fuzzed requests to one gateway over HTTP and graphql-ws. */
export class FuzzTarget {
  private readonly live: LiveTarget;
  private readonly anonymousLive: LiveTarget;

  constructor(private readonly endpoint: FuzzEndpoint) {
    const wsUrl = endpoint.url.replace(/^http/, 'ws');
    this.live = new LiveTarget(wsUrl, { apiKey: endpoint.apiKey });
    this.anonymousLive = new LiveTarget(wsUrl, {});
  }

  /** Sends one request and times its answer. */
  async send(request: FuzzRequest): Promise<Answer> {
    const started = performance.now();
    const answer = await this.dispatch(request);
    return { ...answer, ms: Math.round(performance.now() - started) };
  }

  private async dispatch(request: FuzzRequest): Promise<Omit<Answer, 'ms'>> {
    const { document, transport } = request;
    const variables = request.wrongVariables ?? document.variables;
    if (transport === 'ws') {
      const live = request.anonymous ? this.anonymousLive : this.live;
      const outcome = await live.run(
        { query: document.query, variables, operationName: document.operationName },
        // A little past the bound: late is as much a failure as never.
        TIME_BOUND_MS + 250,
      );
      return {
        transport,
        closeCode: outcome.closeCode,
        codes: outcome.errors.map((e) => e.extensions?.code),
        hasData: outcome.hasData,
        excerpt:
          outcome.kind === 'timeout'
            ? 'no answer'
            : `${outcome.kind}${outcome.closeReason ? ` ${outcome.closeReason}` : ''}`,
      };
    }
    const headers: Record<string, string> = request.anonymous
      ? {}
      : { 'x-api-key': this.endpoint.apiKey };
    const signal = AbortSignal.timeout(TIME_BOUND_MS * 2);
    let init: RequestInit & { url: string | URL };
    if (transport === 'post') {
      headers['content-type'] = 'application/json';
      const body = JSON.stringify({ ...document, variables });
      init = { url: this.endpoint.url, method: 'POST', headers, body, signal };
    } else {
      const url = new URL(this.endpoint.url);
      url.searchParams.set('query', document.query);
      if (variables !== undefined) url.searchParams.set('variables', JSON.stringify(variables));
      if (document.operationName) url.searchParams.set('operationName', document.operationName);
      if (request.preflight) headers['apollo-require-preflight'] = 'true';
      init = { url, headers, signal };
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(init.url, init);
      text = await response.text();
    } catch (error) {
      if ((error as Error).name !== 'TimeoutError') throw error;
      return { transport, codes: [], hasData: false, excerpt: 'no answer' };
    }
    let body: { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    return {
      transport,
      status: response.status,
      codes: body ? (body.errors ?? []).map((e) => e.extensions?.code) : ['(not JSON)'],
      hasData: body?.data !== undefined && body?.data !== null,
      excerpt: text.slice(0, 300),
    };
  }

  /** Closes the WebSocket connections. */
  close(): void {
    this.live.close();
    this.anonymousLive.close();
  }
}

/** A known defect the fuzzer tolerates until it is fixed: where it shows, and how. */
export interface KnownIssue {
  id: string;
  description: string;
  matches(request: FuzzRequest, answer: Answer): boolean;
}

/**
 * Every defect the fuzzer currently tolerates, in one place. Each entry is a finding
 * waiting for its fix; remove it with the fix, and the property holds the fix in place.
 */
export const KNOWN_ISSUES: readonly KnownIssue[] = [
  {
    id: 'silent-quote-subscription',
    description:
      'a quotes subscription whose symbols are all well-formed but unknown never sends a first event nor an error',
    matches: (request, answer) =>
      request.transport === 'ws' &&
      answer.excerpt === 'no answer' &&
      /^\s*subscription\b[^{]*\{\s*quotes\s*\(/.test(request.document.query),
  },
];

/** What is wrong with an answer under the contract; empty when nothing is. */
export function problemsOf(answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.ms > TIME_BOUND_MS) problems.push(`answered after ${answer.ms} ms`);
  if (answer.excerpt === 'no answer') return problems;
  if (answer.status !== undefined && answer.status >= 500) {
    problems.push(`HTTP ${answer.status}`);
  }
  if (answer.transport === 'get' && PARSER_REFUSALS.has(answer.status ?? 0)) return problems;
  if (answer.closeCode !== undefined) {
    if (!ACCEPTED_CLOSE_CODES.has(answer.closeCode)) {
      problems.push(`closed with ${answer.closeCode}`);
    }
    return problems;
  }
  for (const code of answer.codes) {
    if (typeof code !== 'string' || !ACCEPTED_CODES.has(code)) {
      problems.push(`error code ${String(code)}`);
    }
  }
  if (answer.codes.length === 0 && !answer.hasData && answer.excerpt !== 'complete') {
    problems.push('neither data nor errors');
  }
  return problems;
}

/** Signs up a FREE account over HTTP and mints it an API key. */
export async function freeApiKey(url: string, label: string): Promise<string> {
  const post = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, Record<string, string>> };
  };
  const email = `${label}.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
  const registered = await post(
    `mutation { register(email: "${email}", password: "fuzzing is patient work") { accessToken } }`,
  );
  const token = registered.data?.register?.accessToken;
  if (!token) throw new Error(`could not register a fuzz account: ${JSON.stringify(registered)}`);
  const key = await post(`mutation { createApiKey(name: "${label}") { secret } }`, {
    authorization: `Bearer ${token}`,
  });
  const secret = key.data?.createApiKey?.secret;
  if (!secret) throw new Error(`could not mint a fuzz key: ${JSON.stringify(key)}`);
  return secret;
}
