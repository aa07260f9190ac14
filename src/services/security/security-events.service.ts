import type {
  NewSecurityEvent,
  SecurityEventRepository,
} from '../../datasources/database/security-event.repository';
import { addressGroup } from '../../domain/client-address';
import {
  ADDRESS_BLOCK,
  KEY_BLOCK,
  SECURITY_EVENT_KINDS,
  STORM,
  type BlockRule,
  type SecurityEventKind,
} from '../../domain/security-events';
import type { Viewer } from '../../domain/viewer';
import {
  BadUserInputError,
  ForbiddenError,
  RateLimitedError,
  type YieldflowError,
} from '../../errors/errors';
import type { SecurityEvent } from '../../generated/prisma/client';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { Block, BlockStore } from './block-store';

/** An event as a caller reports it; the time is the service's clock. */
export type SecurityEventInput = Omit<NewSecurityEvent, 'occurredAt'>;

/** The subject an address is counted and blocked as. */
export const addressSubject = (ip: string) => `ip:${addressGroup(ip)}`;
/** The subject a key is counted and blocked as. */
export const keySubject = (apiKeyId: string) => `key:${apiKeyId}`;

/**
 * Security events: records them (never failing the request: a failed write is logged),
 * counts them in `/metrics`, blocks addresses and keys past the thresholds of
 * src/domain/security-events.ts (when SECURITY_AUTO_BLOCK) and answers administrators'
 * queries. The retention job (src/services/retention.service.ts) prunes old events.
 */
export class SecurityEvents {
  private readonly storms = new Map<string, { startedAt: number; n: number }>();
  /** When the block store last failed to answer, 0 once it answers again. */
  private unscreenedSince = 0;

  constructor(
    private readonly deps: {
      repository: SecurityEventRepository;
      blocks: BlockStore;
      logger: Logger;
      metrics?: Metrics;
      autoBlock: boolean;
      now?: () => Date;
    },
  ) {
    for (const kind of SECURITY_EVENT_KINDS) deps.metrics?.securityEvents.inc({ kind }, 0);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Records an event: counted at once, written in the background. Resolves once its
   * count towards a block is taken (so the next request sees the block); never rejects.
   */
  async record(event: SecurityEventInput): Promise<void> {
    this.deps.metrics?.securityEvents.inc({ kind: event.kind });
    this.deps.repository.insert({ ...event, occurredAt: this.now() }).catch((error: Error) => {
      this.deps.logger.error(
        { err: error.message, kind: event.kind },
        'security event not written',
      );
    });
    if (!this.deps.autoBlock) return;
    try {
      if (event.ip && ADDRESS_BLOCK.kinds.includes(event.kind)) {
        await this.count(addressSubject(event.ip), ADDRESS_BLOCK);
      }
      if (event.apiKeyId && KEY_BLOCK.kinds.includes(event.kind)) {
        await this.count(keySubject(event.apiKeyId), KEY_BLOCK);
      }
    } catch (error) {
      this.deps.logger.error({ err: (error as Error).message }, 'security event not counted');
    }
  }

  /**
   * Counts a rate-limit refusal of `subject`: the STORM.refusals-th within a minute on
   * this replica records one RATE_LIMIT_STORM, the rest of that minute none.
   */
  rateLimited(subject: string, ip: string, viewer: Viewer | null | undefined): void {
    const now = this.now().getTime();
    let storm = this.storms.get(subject);
    // A storm's minute starts with its first refusal, so one burst is never split in two.
    if (!storm || now - storm.startedAt >= STORM.windowMs) {
      if (this.storms.size > 10_000) this.storms.clear();
      storm = { startedAt: now, n: 0 };
      this.storms.set(subject, storm);
    }
    storm.n += 1;
    if (storm.n !== STORM.refusals) return;
    void this.record({
      kind: 'RATE_LIMIT_STORM',
      ip,
      apiKeyId: viewer?.apiKeyId ?? null,
      userId: viewer?.userId ?? null,
      detail: { subject, refusals: STORM.refusals, windowSeconds: STORM.windowMs / 1_000 },
    });
  }

  /**
   * The refusal of a blocked address (RATE_LIMITED) or key (FORBIDDEN), with the reason
   * and when it ends; null when neither is blocked (`ip` null: the key alone). In-process stores answer without a
   * promise; a store that cannot answer lets the request through (logged).
   */
  screen(
    ip: string | null,
    apiKeyId?: string | null,
  ): YieldflowError | null | Promise<YieldflowError | null> {
    if (!this.deps.autoBlock) return null;
    const subjects = [
      ...(ip !== null ? [addressSubject(ip)] : []),
      ...(apiKeyId ? [keySubject(apiKeyId)] : []),
    ];
    if (subjects.length === 0) return null;
    try {
      const found = this.deps.blocks.blocked(subjects);
      if (!(found instanceof Promise)) return refusal(found);
      return found.then(
        (block) => {
          this.unscreenedSince = 0;
          return refusal(block);
        },
        (error: Error) => this.unscreened(error),
      );
    } catch (error) {
      return this.unscreened(error as Error);
    }
  }

  /** Administrators' view of the events, newest first. FORBIDDEN for anyone else. */
  async list(
    viewer: Viewer | null,
    filter: { kind?: SecurityEventKind | null; ip?: string | null; since?: Date | null },
    page: { first: number; after?: string | null },
  ): Promise<{ nodes: SecurityEvent[]; hasNextPage: boolean; endCursor: string | null }> {
    assertAdmin(viewer);
    const after = page.after ? parseCursor(page.after) : null;
    const rows = await this.deps.repository.list({ ...filter, first: page.first, after });
    const nodes = rows.slice(0, page.first);
    return {
      nodes,
      hasNextPage: rows.length > page.first,
      endCursor: nodes.length > 0 ? nodes[nodes.length - 1].id.toString() : null,
    };
  }

  /** Lifts an address' and/or a key's block (administrators); true when one was in force. */
  async unblock(
    viewer: Viewer | null,
    target: { ip?: string | null; apiKeyId?: string | null },
  ): Promise<boolean> {
    assertAdmin(viewer);
    const subjects = [
      ...(target.ip ? [addressSubject(target.ip)] : []),
      ...(target.apiKeyId ? [keySubject(target.apiKeyId)] : []),
    ];
    const lifted = await Promise.all(subjects.map((s) => this.deps.blocks.unblock(s)));
    this.deps.logger.info({ by: viewer!.userId, ...target }, 'security block lifted');
    return lifted.some(Boolean);
  }

  private async count(subject: string, rule: BlockRule): Promise<void> {
    const block = await this.deps.blocks.count(subject, rule);
    if (block) this.deps.logger.warn({ subject, reason: block.reason }, 'security block in force');
  }

  // Logged once per outage of the store, not once per request while it lasts.
  private unscreened(error: Error): null {
    if (!this.unscreenedSince) {
      this.unscreenedSince = Date.now();
      this.deps.logger.error({ err: error.message }, 'security blocks unreadable; not screened');
    }
    return null;
  }
}

function refusal(block: Block | null): YieldflowError | null {
  if (!block) return null;
  const wait = block.retryAfterSeconds;
  if (block.subject.startsWith('key:')) {
    return new ForbiddenError(
      `This API key is blocked for ${block.reason}; retry after ${wait} s`,
      { reason: block.reason, retryAfter: wait },
    );
  }
  return new RateLimitedError(
    `This address is blocked for ${block.reason}; retry after ${wait} s`,
    wait,
  );
}

function assertAdmin(viewer: Viewer | null): void {
  if (viewer?.role !== 'ADMIN') throw new ForbiddenError('Only administrators may do this');
}

function parseCursor(cursor: string): bigint {
  if (!/^\d{1,19}$/.test(cursor)) {
    throw new BadUserInputError('after is not a cursor of securityEvents', { argument: 'after' });
  }
  return BigInt(cursor);
}
