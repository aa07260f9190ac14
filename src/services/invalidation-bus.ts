import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { messageBus, type MessageBus } from '../datasources/cache/message-bus';
import type { Logger } from '../observability/logger';

/**
 * Broadcasts "forget this" messages to every replica (a {@link MessageBus}: Redis
 * pub/sub, or this process alone without Redis and while it fails), and to this process
 * directly, so that a revoked API key stops working everywhere at once rather than when
 * caches expire. A message reaches each listener once: it carries its replica's id, and
 * the replica that sent it (and delivered it at once) skips its own echo.
 */
export class InvalidationBus {
  private readonly listeners = new Set<(message: string) => void>();
  private readonly origin = randomUUID();
  private readonly bus: MessageBus;
  private readonly channel: string;

  constructor(
    redis: Redis | null,
    prefix: string,
    private readonly logger: Logger,
  ) {
    // Pub/sub channels are not keys: ioredis' keyPrefix does not apply, so prefix here.
    this.channel = `${prefix}invalidate`;
    this.bus = messageBus(redis, logger);
    this.bus.onMessage((channel, message) => {
      if (channel === this.channel) this.received(message);
    });
  }

  /**
   * Subscribes; resolves once the subscription is active, or after 2 s with Redis down:
   * the server starts degraded, and ioredis subscribes when Redis comes back (it
   * resubscribes after every reconnect).
   */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const subscribed = this.bus.subscribe([this.channel]).then(
      () => true,
      (error: Error) => {
        this.logger.warn({ err: error.message }, 'invalidation bus: subscribe failed');
        return false;
      },
    );
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 2_000);
    });
    const ok = await Promise.race([subscribed, late]);
    clearTimeout(timer);
    if (!ok) this.logger.warn('invalidation bus not subscribed yet (Redis unreachable); retrying');
  }

  /** Listens to every message; the returned function stops. */
  onMessage(listener: (message: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers here at once, then to the other replicas (failures logged by the bus). */
  async publish(message: string): Promise<void> {
    this.deliver(message);
    await this.bus.publish(this.channel, `${this.origin} ${message}`);
  }

  async stop(): Promise<void> {
    this.bus.close();
  }

  // `<origin> <message>`; a message without an origin (a replica of an older version,
  // during a rolling deploy) is delivered as it is.
  private received(payload: string): void {
    const origin = ORIGIN.exec(payload);
    if (!origin) return this.deliver(payload);
    if (origin[1] !== this.origin) this.deliver(payload.slice(origin[0].length));
  }

  private deliver(message: string): void {
    for (const listener of this.listeners) listener(message);
  }
}

const ORIGIN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) /;
