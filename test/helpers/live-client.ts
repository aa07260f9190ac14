import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** One subscription's events as they arrive. */
export interface LiveSubscription<T> {
  events: T[];
  /** Errors of `next` payloads and `error` messages, as the server sent them. */
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
  completed: boolean;
  stop(): void;
}

/** A graphql-ws client that records what its subscriptions receive, and how it closed. */
export interface LiveClient {
  client: Client;
  /** Close codes seen, in order. */
  closes: number[];
  /** True once the server acknowledged the connection (`connection_ack`). */
  acked(): boolean;
  subscribe<T>(query: string, variables?: Record<string, unknown>): LiveSubscription<T>;
  dispose(): Promise<void>;
}

export function liveClient(httpUrl: string, connectionParams: Record<string, unknown>): LiveClient {
  const closes: number[] = [];
  let acked = false;
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    // Closes are recorded below; a non-lazy client would print them otherwise.
    onNonLazyError: () => undefined,
    on: {
      connected: () => (acked = true),
      closed: (event) => closes.push((event as { code: number }).code),
    },
  });
  client.on('error', () => undefined);
  return {
    client,
    closes,
    acked: () => acked,
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const subscription: LiveSubscription<T> = {
        events: [],
        errors: [],
        completed: false,
        stop: () => undefined,
      };
      subscription.stop = client.subscribe<Record<string, T>>(
        { query, variables },
        {
          next: (result) => {
            if (result.errors) subscription.errors.push(...(result.errors as never[]));
            if (result.data) subscription.events.push(Object.values(result.data)[0]);
          },
          error: (error) => {
            if (Array.isArray(error)) subscription.errors.push(...(error as never[]));
            else subscription.errors.push({ message: String((error as Error).message ?? error) });
          },
          complete: () => (subscription.completed = true),
        },
      );
      return subscription;
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/**
 * Runs one operation on a graphql-ws client and resolves with its outcome: the first
 * error's `extensions.code` (of an `error` message or of errors in `next`), or 'ok'.
 */
export function operationCode(client: Client, query: string): Promise<string> {
  return new Promise<string>((resolve) => {
    let outcome = 'ok';
    client.subscribe(
      { query },
      {
        next: (result) => {
          const code = result.errors?.[0]?.extensions?.code;
          if (typeof code === 'string') outcome = code;
        },
        error: (errors) =>
          resolve(
            String((errors as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code),
          ),
        complete: () => resolve(outcome),
      },
    );
  });
}

/**
 * A graphql-ws socket spoken by hand, past `connection_ack` (rejected if it closes
 * before), and the close code it ends with.
 */
export function openSocket(httpUrl: string, payload: Record<string, string>) {
  return new Promise<{ socket: WebSocket; closed: Promise<number> }>((resolve, reject) => {
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve({ socket, closed });
    });
    socket.on('error', reject);
    void closed.then((code) => reject(new Error(`closed ${code} before connection_ack`)));
  });
}
