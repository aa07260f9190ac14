import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';

/**
 * A typed Yieldflow client: pass one of the typed documents generated from
 * examples/*.graphql by codegen.yml (`src/generated/graphql.ts`), or your own, and get
 * its result type back. Queries and mutations go over HTTP (fetch), subscriptions over
 * graphql-ws.
 *
 *   const client = new YieldflowClient({ url: 'http://localhost:4000/graphql', apiKey });
 *   const { quote } = await client.request(QuoteDocument, { symbol: 'AAPL' });
 */
export * from '../generated/graphql';

/** One GraphQL error as the gateway sends it. */
export interface YieldflowGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; retryAfter?: number; [key: string]: unknown };
}

/** Thrown by {@link YieldflowClient.request} when the answer carries errors. */
export class YieldflowRequestError extends Error {
  constructor(
    readonly errors: YieldflowGraphQLError[],
    readonly status: number,
    readonly data: unknown,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
    this.name = 'YieldflowRequestError';
  }

  /** The first error's `extensions.code` (UNAUTHENTICATED, RATE_LIMITED, …). */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** A whole HTTP answer: status, headers, data and errors. */
export interface YieldflowResponse<TResult> {
  status: number;
  headers: Headers;
  data: TResult | null;
  errors?: YieldflowGraphQLError[];
  extensions?: Record<string, unknown>;
}

export interface YieldflowClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An API key (`x-api-key`), or … */
  apiKey?: string;
  /** … an access token from `login` (`Authorization: Bearer`). */
  accessToken?: string;
  /** Extra headers on every HTTP request. */
  headers?: Record<string, string>;
  /** A WebSocket implementation for subscriptions outside browsers (the `ws` package). */
  webSocketImpl?: unknown;
}

type Variables<T> = T extends Record<string, never> ? Record<string, never> | undefined : T;

export class YieldflowClient {
  private ws: WsClient | null = null;
  private readonly printed = new WeakMap<DocumentNode, string>();

  constructor(private readonly options: YieldflowClientOptions) {}

  private text(document: DocumentNode): string {
    let text = this.printed.get(document);
    if (text === undefined) {
      text = print(document);
      this.printed.set(document, text);
    }
    return text;
  }

  /** The whole answer, errors included (nothing is thrown for GraphQL errors). */
  async execute<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: Variables<TVariables>,
    headers: Record<string, string> = {},
  ): Promise<YieldflowResponse<TResult>> {
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}),
        ...(this.options.accessToken
          ? { authorization: `Bearer ${this.options.accessToken}` }
          : {}),
        ...this.options.headers,
        ...headers,
      },
      body: JSON.stringify({ query: this.text(document), variables: variables ?? {} }),
    });
    const body = (await response.json()) as {
      data?: TResult | null;
      errors?: YieldflowGraphQLError[];
      extensions?: Record<string, unknown>;
    };
    return {
      status: response.status,
      headers: response.headers,
      data: body.data ?? null,
      errors: body.errors,
      extensions: body.extensions,
    };
  }

  /** The data; a {@link YieldflowRequestError} when the answer carries errors. */
  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: Variables<TVariables>,
  ): Promise<TResult> {
    const response = await this.execute(document, variables);
    if (response.errors?.length || response.data === null) {
      throw new YieldflowRequestError(response.errors ?? [], response.status, response.data);
    }
    return response.data;
  }

  /**
   * Subscribes over graphql-ws (one socket per client, opened on first use, with the
   * client's credentials in connection_init). `next` gets each event's data; the
   * returned function unsubscribes.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: Variables<TVariables>,
    sink: {
      next: (data: TResult) => void;
      error?: (error: unknown) => void;
      complete?: () => void;
    },
  ): () => void {
    this.ws ??= createClient({
      url: this.options.url.replace(/^http/, 'ws'),
      webSocketImpl: this.options.webSocketImpl,
      connectionParams: this.options.apiKey
        ? { apiKey: this.options.apiKey }
        : { authorization: `Bearer ${this.options.accessToken}` },
    });
    return this.ws.subscribe<TResult>(
      { query: this.text(document), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors?.length) sink.error?.(result.errors);
          else if (result.data) sink.next(result.data as TResult);
        },
        error: (error) => sink.error?.(error),
        complete: () => sink.complete?.(),
      },
    );
  }

  /** Closes the subscription socket, if one is open. */
  async close(): Promise<void> {
    await this.ws?.dispose();
    this.ws = null;
  }
}
