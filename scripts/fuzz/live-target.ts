import WebSocket from 'ws';

/** What one operation over graphql-ws came back as. */
export interface LiveOutcome {
  /** `next` / `error` / `complete` for the operation, or `closed` when the socket closed. */
  kind: 'next' | 'error' | 'complete' | 'closed' | 'timeout';
  errors: Array<{ message?: string; extensions?: { code?: unknown } }>;
  hasData: boolean;
  closeCode?: number;
  closeReason?: string;
}

interface Open {
  socket: WebSocket;
  ready: Promise<void>;
  closeCode?: number;
  closeReason?: string;
}

/**
 * A raw graphql-transport-ws connection, reopened when the server closes it. Raw, not
 * graphql-ws' client: the client validates what it sends, and the fuzzer must be able
 * to send variables of the wrong JSON type. One operation at a time.
 */
export class LiveTarget {
  private open?: Open;
  private nextId = 0;
  private waiting?: (message: Record<string, unknown> | { closed: number; reason: string }) => void;

  constructor(
    private readonly url: string,
    private readonly initPayload: Record<string, unknown>,
  ) {}

  private connect(): Open {
    const socket = new WebSocket(this.url, 'graphql-transport-ws');
    const open: Open = { socket, ready: Promise.resolve() };
    open.ready = new Promise<void>((resolve) => {
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: this.initPayload })),
      );
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if (message.type === 'connection_ack') resolve();
        else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        else this.waiting?.(message);
      });
      socket.on('close', (code, reason) => {
        open.closeCode = code;
        open.closeReason = String(reason);
        if (this.open === open) this.open = undefined;
        resolve();
        this.waiting?.({ closed: code, reason: String(reason) });
      });
      // A refused upgrade or reset surfaces as 'close' too.
      socket.on('error', () => undefined);
    });
    return open;
  }

  /** Runs one operation and resolves with its first answer, or `timeout` after `ms`. */
  async run(payload: Record<string, unknown>, ms: number): Promise<LiveOutcome> {
    const open = (this.open ??= this.connect());
    const timedOut = new Promise<LiveOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timeout', errors: [], hasData: false }), ms);
      timer.unref();
    });
    const answered = (async (): Promise<LiveOutcome> => {
      await open.ready;
      if (open.closeCode !== undefined) {
        const { closeCode, closeReason } = open;
        return { kind: 'closed', errors: [], hasData: false, closeCode, closeReason };
      }
      const id = String((this.nextId += 1));
      const reply = new Promise<Record<string, unknown> | { closed: number; reason: string }>(
        (resolve) => {
          this.waiting = (message) => {
            if ('closed' in message || message.id === id) resolve(message);
          };
        },
      );
      open.socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
      const message = (await reply) as Record<string, unknown> & { closed?: number };
      if ('closed' in message) {
        const { closed: closeCode, reason: closeReason } = message as {
          closed: number;
          reason: string;
        };
        return { kind: 'closed', errors: [], hasData: false, closeCode, closeReason };
      }
      const kind = message.type as LiveOutcome['kind'];
      // A subscription goes on after its first event; it is stopped here.
      if (kind === 'next') open.socket.send(JSON.stringify({ id, type: 'complete' }));
      const body = (kind === 'error' ? { errors: message.payload } : message.payload) as
        { data?: unknown; errors?: LiveOutcome['errors'] } | undefined;
      return {
        kind,
        errors: Array.isArray(body?.errors) ? body.errors : [],
        hasData: body?.data !== undefined && body?.data !== null,
      };
    })();
    const outcome = await Promise.race([answered, timedOut]);
    this.waiting = undefined;
    if (outcome.kind === 'timeout') this.close();
    return outcome;
  }

  /** Closes the connection, if one is open. */
  close(): void {
    this.open?.socket.terminate();
    this.open = undefined;
  }
}
