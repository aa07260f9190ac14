/** A block in force. */
export interface Block {
  /** `ip:<address group>` or `key:<api key id>`. */
  subject: string;
  reason: string;
  /** Seconds until it ends (at least 1). */
  retryAfterSeconds: number;
}

/** How a subject's events are counted and when they block it. */
export interface BlockCount {
  windowMs: number;
  threshold: number;
  blockMs: number;
  reason: string;
}

/**
 * Counts of security events per subject and the blocks they set, shared by every replica
 * (Redis) or held by this process (in-memory), chosen once at composition.
 */
export interface BlockStore {
  /**
   * Counts one event of `subject` in a fixed window of `windowMs`; the `threshold`-th
   * blocks it for `blockMs`. Resolves to the block in force, if any.
   */
  count(subject: string, rule: BlockCount): Promise<Block | null>;
  /** The block in force on the first blocked of `subjects`; in-process without a promise. */
  blocked(subjects: readonly string[]): Block | null | Promise<Block | null>;
  /** Lifts a subject's block and forgets its count; true when it was blocked. */
  unblock(subject: string): Promise<boolean>;
}
