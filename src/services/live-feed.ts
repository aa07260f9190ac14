/** Receives a feed's events; `key` names what the event is about (a symbol, a portfolio). */
export type FeedListener<T> = (event: T, key: string) => void;

/**
 * Conflation per key: at most one event per key per `throttleMs` (0: as fast as the
 * sink takes them), always the latest. An event waiting for its interval, or for a sink
 * that refused it (a slow consumer), is replaced by a newer one of the same key: what
 * is held is one event per key, never a queue.
 */
export class Conflator<T> {
  private readonly pending = new Map<string, T>();
  private readonly sentAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Events replaced before they were sent. */
  dropped = 0;

  /** `sink` answers false when it cannot take the event now; {@link flush} retries. */
  constructor(
    private readonly throttleMs: number,
    private readonly sink: (event: T, key: string) => boolean,
    private readonly onDrop: () => void = () => undefined,
  ) {}

  push(event: T, key: string): void {
    if (this.closed) return;
    if (this.pending.has(key)) {
      this.dropped += 1;
      this.onDrop();
    }
    this.pending.set(key, event);
    this.schedule(key);
  }

  /** Offers every held event whose interval has passed to the sink again. */
  flush(): void {
    for (const key of [...this.pending.keys()]) if (!this.timers.has(key)) this.trySend(key);
  }

  /** Events held (waiting for their interval or for the sink). */
  get held(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
  }

  private schedule(key: string): void {
    if (this.timers.has(key)) return;
    const wait = this.throttleMs - (Date.now() - (this.sentAt.get(key) ?? -Infinity));
    if (wait <= 0) {
      this.trySend(key);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.trySend(key);
    }, wait);
    this.timers.set(key, timer);
  }

  private trySend(key: string): void {
    const event = this.pending.get(key);
    if (event === undefined || this.closed) return;
    if (!this.sink(event, key)) return;
    this.pending.delete(key);
    this.sentAt.set(key, Date.now());
  }
}

/** What a {@link LiveFeed} is made of. */
export interface LiveFeedSource<T> {
  /** Starts delivering events; the returned function stops. Called once per feed. */
  listen(listener: FeedListener<T>): () => void;
  /** Called once when the feed ends (after the listener stops): release what it holds. */
  release?(): void;
}

/**
 * The event source of a live subscription (quotes, portfolio value). The WebSocket
 * gateway recognises it and writes its events to the socket itself, executing each
 * event once for every subscriber with the same selection ({@link LiveFeed.listen});
 * anything else (graphql-js' own `subscribe`) iterates it, conflated by `throttleMs`.
 */
export class LiveFeed<T> implements AsyncIterable<T> {
  private state: 'new' | 'listening' | 'ended' = 'new';
  private stopListening: (() => void) | null = null;

  constructor(
    readonly throttleMs: number,
    private readonly source: LiveFeedSource<T>,
  ) {}

  /** Delivers events to the feed's one consumer until {@link end}. */
  listen(listener: FeedListener<T>): void {
    if (this.state !== 'new') throw new Error('a live feed has one consumer');
    this.state = 'listening';
    this.stopListening = this.source.listen(listener);
  }

  /** Stops the events and releases what the feed holds (listened to or not); idempotent. */
  end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.stopListening?.();
    this.stopListening = null;
    this.source.release?.();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const ready: T[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const conflator = new Conflator<T>(this.throttleMs, (event) => {
      ready.push(event);
      wake?.();
      return true;
    });
    this.listen((event, key) => conflator.push(event, key));
    const finish = async (): Promise<IteratorResult<T>> => {
      done = true;
      conflator.close();
      this.end();
      wake?.();
      return { value: undefined, done: true };
    };
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (!done) {
          const event = ready.shift();
          if (event !== undefined) return { value: event, done: false };
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
        return { value: undefined, done: true };
      },
      return: finish,
      throw: async (error: unknown) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
