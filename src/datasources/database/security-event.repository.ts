import type { Prisma, PrismaClient, SecurityEvent } from '../../generated/prisma/client';
import type { SecurityEventKind } from '../../domain/security-events';
import { deleteInBatches } from './batched-delete';

/** An event to write. */
export interface NewSecurityEvent {
  kind: SecurityEventKind;
  occurredAt: Date;
  ip?: string | null;
  apiKeyId?: string | null;
  userId?: string | null;
  detail?: Record<string, unknown>;
}

/** Which events to read, newest first; `after` is the id of the last one of the page before. */
export interface SecurityEventFilter {
  kind?: SecurityEventKind | null;
  ip?: string | null;
  since?: Date | null;
  first: number;
  after?: bigint | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNull = (id: string | null | undefined) => (id && UUID.test(id) ? id : null);

/** Reads and writes `security_events`. */
export class SecurityEventRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async insert(event: NewSecurityEvent): Promise<void> {
    await this.prisma.securityEvent.create({
      data: {
        kind: event.kind,
        occurredAt: event.occurredAt,
        ip: event.ip ?? null,
        apiKeyId: uuidOrNull(event.apiKeyId),
        userId: uuidOrNull(event.userId),
        detail: (event.detail ?? {}) as Prisma.InputJsonObject,
      },
    });
  }

  /** One page and one more row (whether a next page exists). */
  list(filter: SecurityEventFilter): Promise<SecurityEvent[]> {
    return this.prisma.securityEvent.findMany({
      where: {
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.ip ? { ip: filter.ip } : {}),
        ...(filter.since ? { occurredAt: { gte: filter.since } } : {}),
        ...(filter.after != null ? { id: { lt: filter.after } } : {}),
      },
      orderBy: { id: 'desc' },
      take: filter.first + 1,
    });
  }

  /** Deletes events that occurred before `before`; how many went. */
  async prune(before: Date): Promise<number> {
    const where = { occurredAt: { lt: before } };
    return deleteInBatches(
      (take) => this.prisma.securityEvent.findMany({ where, select: { id: true }, take }),
      (ids) => this.prisma.securityEvent.deleteMany({ where: { id: { in: ids } } }),
    );
  }
}
