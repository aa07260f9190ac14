import type { Block, BlockCount, BlockStore } from '../../services/security/block-store';

/** Security-event counts and blocks of this process (installs without Redis). */
export class MemoryBlockStore implements BlockStore {
  private readonly counts = new Map<string, { n: number; endsAt: number }>();
  private readonly blocks = new Map<string, { reason: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  count(subject: string, rule: BlockCount): Promise<Block | null> {
    const now = this.now();
    this.sweep(now);
    let entry = this.counts.get(subject);
    if (!entry || entry.endsAt <= now) {
      entry = { n: 0, endsAt: now + rule.windowMs };
      this.counts.set(subject, entry);
    }
    entry.n += 1;
    if (entry.n >= rule.threshold && !this.active(subject, now)) {
      this.blocks.set(subject, { reason: rule.reason, until: now + rule.blockMs });
      this.counts.delete(subject);
    }
    return Promise.resolve(this.blocked([subject]));
  }

  blocked(subjects: readonly string[]): Block | null {
    if (this.blocks.size === 0) return null;
    const now = this.now();
    for (const subject of subjects) {
      const block = this.active(subject, now);
      if (block) {
        const retryAfterSeconds = Math.max(1, Math.ceil((block.until - now) / 1_000));
        return { subject, reason: block.reason, retryAfterSeconds };
      }
    }
    return null;
  }

  unblock(subject: string): Promise<boolean> {
    const was = this.active(subject, this.now()) !== undefined;
    this.blocks.delete(subject);
    this.counts.delete(subject);
    return Promise.resolve(was);
  }

  private active(subject: string, now: number) {
    const block = this.blocks.get(subject);
    return block && block.until > now ? block : undefined;
  }

  // Bounded by the subjects seen within a window: ended windows and blocks go.
  private sweep(now: number): void {
    if (this.counts.size < 10_000) return;
    for (const [subject, entry] of this.counts)
      if (entry.endsAt <= now) this.counts.delete(subject);
    for (const [subject, block] of this.blocks) if (block.until <= now) this.blocks.delete(subject);
  }
}
