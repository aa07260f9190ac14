import type {
  Broker,
  BrokerConnection,
  BrokerConnectionStatus,
  PrismaClient,
} from '../../generated/prisma/client';

/** The fields of a connection that change after it is made. */
export type BrokerConnectionChange = Partial<
  Pick<
    BrokerConnection,
    | 'status'
    | 'stateHash'
    | 'stateExpiresAt'
    | 'tokenCiphertext'
    | 'tokenExpiresAt'
    | 'brokerUserId'
    | 'holdingsImportedAt'
    | 'lastSyncedAt'
    | 'lastError'
  >
>;

/** Reads and writes `broker_connections`, scoped to the owner except the state lookup. */
export class BrokerConnectionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  listByUser(userId: string): Promise<BrokerConnection[]> {
    return this.prisma.brokerConnection.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
    });
  }

  findOwned(id: string, userId: string): Promise<BrokerConnection | null> {
    return this.prisma.brokerConnection.findFirst({ where: { id, userId } });
  }

  /** The user's connection of this portfolio to this broker, if one was ever made. */
  findFor(userId: string, portfolioId: string, broker: Broker): Promise<BrokerConnection | null> {
    return this.prisma.brokerConnection.findFirst({
      where: { userId, portfolioId, broker },
      orderBy: { createdAt: 'asc' },
    });
  }

  create(data: {
    userId: string;
    portfolioId: string;
    broker: Broker;
    status: BrokerConnectionStatus;
  }): Promise<BrokerConnection> {
    return this.prisma.brokerConnection.create({ data });
  }

  update(id: string, change: BrokerConnectionChange): Promise<BrokerConnection> {
    return this.prisma.brokerConnection.update({ where: { id }, data: change });
  }

  findByStateHash(stateHash: string): Promise<BrokerConnection | null> {
    return this.prisma.brokerConnection.findUnique({ where: { stateHash } });
  }

  /**
   * Clears the state if it is still this connection's and unexpired at `now`, in one
   * statement: of two callbacks with one state, exactly one gets true.
   */
  async consumeState(id: string, stateHash: string, now: Date): Promise<boolean> {
    const { count } = await this.prisma.brokerConnection.updateMany({
      where: { id, stateHash, stateExpiresAt: { gt: now } },
      data: { stateHash: null, stateExpiresAt: null },
    });
    return count === 1;
  }
}
