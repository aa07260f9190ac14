/** What a GraphQL HTTP call returned. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  };
}

/** POSTs one operation to `url`, with an API key when given. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: { apiKey?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

/** The `extensions.code` of each error, in order. */
export const codes = (response: GraphQLResponse): unknown[] =>
  (response.body.errors ?? []).map((error) => error.extensions?.code);
