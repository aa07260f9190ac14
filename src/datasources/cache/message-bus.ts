import type Redis from 'ioredis';
import type { Logger } from '../../observability/logger';

/** Receives the messages of the channels a bus subscribes. */
export type MessageHandler = (channel: string, message: string) => void;

/**
 * Publish/subscribe between the replicas of a deployment: ticks, invalidations. One
 * interface with an in-process and a Redis implementation, and one fallback between
 * them ({@link messageBus}).
 */
export interface MessageBus {
  /** Sends a message to every subscriber of `channel`; rejects when it could not be sent. */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes channels; resolves once the subscription is active, rejects if it failed. */
  subscribe(channels: readonly string[]): Promise<void>;
  unsubscribe(channels: readonly string[]): Promise<void>;
  onMessage(handler: MessageHandler): void;
  close(): void;
}

/** Messages within this process, delivered at once (before `publish` returns). */
export class LocalMessageBus implements MessageBus {
  private readonly channels = new Set<string>();
  private readonly handlers: MessageHandler[] = [];

  async publish(channel: string, message: string): Promise<void> {
    if (!this.channels.has(channel)) return;
    for (const handler of this.handlers) handler(channel, message);
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.channels.add(channel);
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.channels.delete(channel);
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.channels.clear();
  }
}

/**
 * Redis pub/sub: publishes on the shared client, receives on a connection of its own
 * (a subscribed connection can run nothing else), opened at the first subscription.
 * ioredis subscribes again after every reconnect. Channels are not keys: the client's
 * keyPrefix does not apply to them, so callers prefix their channel names.
 */
export class RedisMessageBus implements MessageBus {
  private subscriber: Redis | null = null;
  private readonly handlers: MessageHandler[] = [];

  constructor(private readonly redis: Redis) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(channel, message);
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    if (channels.length === 0) return;
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => {
        for (const handler of this.handlers) handler(channel, message);
      });
      this.subscriber = subscriber;
    }
    await this.subscriber.subscribe(...channels);
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    if (channels.length === 0 || !this.subscriber) return;
    await this.subscriber.unsubscribe(...channels);
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}

/**
 * The shared bus, and this process while it fails: every channel is subscribed on both;
 * a message goes through the shared bus, or, when it cannot be sent (Redis down or
 * stalled), to this process's own subscribers, so they still get it. The first failure
 * of an outage is logged, and the first message through again.
 */
class FallbackMessageBus implements MessageBus {
  private failing = false;

  constructor(
    private readonly shared: MessageBus,
    private readonly local: MessageBus,
    private readonly logger: Logger,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    try {
      await this.shared.publish(channel, message);
      if (this.failing) {
        this.failing = false;
        this.logger.info('pub/sub publishes again: messages reach every replica');
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          { err: (error as Error).message },
          'pub/sub publish failed: messages reach this replica only until Redis answers',
        );
      }
      await this.local.publish(channel, message);
    }
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    await this.local.subscribe(channels);
    await this.shared.subscribe(channels);
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    await this.local.unsubscribe(channels);
    await this.shared.unsubscribe(channels);
  }

  onMessage(handler: MessageHandler): void {
    this.local.onMessage(handler);
    this.shared.onMessage(handler);
  }

  close(): void {
    this.local.close();
    this.shared.close();
  }
}

/** Across replicas through Redis when there is one, else (and while it fails) in this process. */
export function messageBus(redis: Redis | null, logger: Logger): MessageBus {
  const local = new LocalMessageBus();
  return redis ? new FallbackMessageBus(new RedisMessageBus(redis), local, logger) : local;
}
