import { createHash, randomBytes } from 'node:crypto';
import Decimal from 'decimal.js';
import {
  BrokerError,
  type BrokerClient,
  type BrokerName,
} from '../datasources/brokers/broker-client';
import type { BrokerConnectionRepository } from '../datasources/database/broker-connection.repository';
import { openToken, sealToken, TokenCipherError } from '../domain/token-cipher';
import type { Viewer } from '../domain/viewer';
import { BadUserInputError, NotFoundError, UpstreamUnavailableError } from '../errors/errors';
import type { BrokerConnection } from '../generated/prisma/client';
import type { Logger } from '../observability/logger';
import type { MarketDataService } from './market-data.service';
import { syncEntries } from './broker-sync-entries';
import type { PortfolioService } from './portfolio.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long a sign-in link (its state) may be used. */
export const BROKER_STATE_TTL_MS = 10 * 60_000;

const NAMES: Record<BrokerName, string> = { KITE: 'Zerodha (Kite)', UPSTOX: 'Upstox' };
const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

/** Where a sync differs from the broker: the broker's quantity and the ledger's. */
export interface BrokerDifference {
  symbol: string;
  brokerQuantity: string;
  ledgerQuantity: string;
}

/** The outcome of {@link BrokerSyncService.sync}. */
export interface BrokerSyncResult {
  imported: number;
  alreadyImported: number;
  skipped: number;
  errors: Array<{ message: string }>;
  differences: BrokerDifference[];
  connection: BrokerConnection;
}

/**
 * Links a user's portfolio to a broker account and syncs the broker's trades into its
 * ledger (README "Broker sync"). Tokens are stored only sealed with `tokenKey`; ledger
 * writes go through {@link PortfolioService.importExternal}, under the portfolio's lock.
 * Someone else's connection is NOT_FOUND.
 */
export class BrokerSyncService {
  constructor(
    private readonly deps: {
      repository: BrokerConnectionRepository;
      portfolios: PortfolioService;
      clients: Partial<Record<BrokerName, BrokerClient>>;
      tokenKey: Buffer | null;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private client(broker: BrokerName): { client: BrokerClient; key: Buffer } {
    const client = this.deps.clients[broker];
    if (!client || !this.deps.tokenKey) {
      throw new BadUserInputError(`${NAMES[broker]} is not configured on this gateway`, {
        argument: 'broker',
      });
    }
    return { client, key: this.deps.tokenKey };
  }

  list(viewer: Viewer): Promise<BrokerConnection[]> {
    return this.deps.repository.listByUser(viewer.userId);
  }

  private async owned(viewer: Viewer, id: string): Promise<BrokerConnection> {
    const found = UUID.test(id) ? await this.deps.repository.findOwned(id, viewer.userId) : null;
    if (!found) throw new NotFoundError('No such broker connection');
    return found;
  }

  /**
   * Starts a sign-in: a fresh single-use state (only its hash is stored) and the broker's
   * login URL carrying it. A portfolio already linked to this broker keeps its
   * connection (this is also how a RECONNECT one signs in again).
   */
  async connect(
    viewer: Viewer,
    broker: BrokerName,
    portfolioId: string,
  ): Promise<{ connection: BrokerConnection; loginUrl: string }> {
    const { client } = this.client(broker);
    const portfolio = await this.deps.portfolios.find(viewer, portfolioId);
    if (!portfolio) throw new NotFoundError('No such portfolio');
    const { repository } = this.deps;
    const existing = await repository.findFor(viewer.userId, portfolio.id, broker);
    const base =
      existing ??
      (await repository.create({
        userId: viewer.userId,
        portfolioId: portfolio.id,
        broker,
        status: 'PENDING',
      }));
    const state = randomBytes(24).toString('base64url');
    const connection = await repository.update(base.id, {
      stateHash: hashState(state),
      stateExpiresAt: new Date(this.now().getTime() + BROKER_STATE_TTL_MS),
      ...(base.status === 'DISCONNECTED' ? { status: 'PENDING' as const } : {}),
    });
    return { connection, loginUrl: client.loginUrl(state) };
  }

  /** Ends a sign-in: checks and spends the state, exchanges the code, stores the token sealed. */
  async complete(
    viewer: Viewer,
    broker: BrokerName,
    state: string,
    code: string,
  ): Promise<BrokerConnection> {
    const { client, key } = this.client(broker);
    const { repository } = this.deps;
    const stateHash = hashState(state);
    const found = await repository.findByStateHash(stateHash);
    const usable =
      found &&
      found.userId === viewer.userId &&
      found.broker === broker &&
      (await repository.consumeState(found.id, stateHash, this.now()));
    if (!found || !usable) {
      throw new BadUserInputError(
        'This sign-in is unknown, expired or already used; start again with connectBroker',
        { argument: 'state' },
      );
    }
    let session;
    try {
      session = await client.exchange(code);
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      await repository.update(found.id, { lastError: error.message });
      if (error.kind === 'UNAVAILABLE') {
        throw new UpstreamUnavailableError(
          `${error.message}; sign in again with connectBroker shortly`,
        );
      }
      throw new BadUserInputError(`${error.message}; sign in again with connectBroker`, {
        argument: 'requestToken',
      });
    }
    return repository.update(found.id, {
      status: 'CONNECTED',
      tokenCiphertext: sealToken(session.accessToken, key, found.id),
      tokenExpiresAt: session.expiresAt,
      brokerUserId: session.brokerUserId,
      lastError: null,
    });
  }

  /** Forgets the token; the connection stays, DISCONNECTED, and can sign in again. */
  async disconnect(viewer: Viewer, id: string): Promise<boolean> {
    const connection = await this.owned(viewer, id);
    await this.deps.repository.update(connection.id, {
      status: 'DISCONNECTED',
      tokenCiphertext: null,
      tokenExpiresAt: null,
      stateHash: null,
      stateExpiresAt: null,
    });
    return true;
  }

  private async needsReconnect(connection: BrokerConnection, why: string): Promise<never> {
    const message = `${why}: sign in to ${NAMES[connection.broker]} again (connectBroker) to resume syncing`;
    await this.deps.repository.update(connection.id, {
      status: 'RECONNECT',
      tokenCiphertext: null,
      lastError: message,
    });
    throw new BadUserInputError(message, { reason: 'RECONNECT_REQUIRED', argument: 'id' });
  }

  /**
   * Reads the broker's holdings, day positions and day trades, and writes the trades
   * (and on the first sync the holdings the ledger lacks) through the portfolio's locked
   * ledger path, idempotently by the broker's trade id. An expired or refused token
   * turns the connection to RECONNECT. A broker that does not answer changes nothing.
   */
  async sync(
    viewer: Viewer,
    id: string,
    marketData?: MarketDataService,
  ): Promise<BrokerSyncResult> {
    const connection = await this.owned(viewer, id);
    if (connection.status === 'RECONNECT') {
      throw new BadUserInputError(
        connection.lastError ?? `Sign in to ${NAMES[connection.broker]} again (connectBroker)`,
        { reason: 'RECONNECT_REQUIRED', argument: 'id' },
      );
    }
    if (connection.status !== 'CONNECTED' || !connection.tokenCiphertext) {
      throw new BadUserInputError(
        `This connection is ${connection.status.toLowerCase()}; complete a sign-in first (connectBroker)`,
        { argument: 'id' },
      );
    }
    const { client, key } = this.client(connection.broker);
    if (connection.tokenExpiresAt && connection.tokenExpiresAt <= this.now()) {
      return this.needsReconnect(connection, 'The broker session expired');
    }
    let token: string;
    try {
      token = openToken(connection.tokenCiphertext, key, connection.id);
    } catch (error) {
      if (!(error instanceof TokenCipherError)) throw error;
      this.deps.logger.warn(
        { connectionId: connection.id },
        'stored broker token does not decrypt',
      );
      return this.needsReconnect(connection, 'The stored session cannot be read');
    }
    let fetched;
    try {
      const [holdings, positions, trades] = await Promise.all([
        client.holdings(token),
        client.positions(token),
        client.trades(token),
      ]);
      fetched = { holdings, positions, trades };
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      if (error.kind === 'TOKEN') return this.needsReconnect(connection, error.message);
      await this.deps.repository.update(connection.id, { lastError: error.message });
      throw new UpstreamUnavailableError(
        `${error.message}; nothing was changed, try again shortly`,
      );
    }
    const firstSync = !connection.holdingsImportedAt;
    const ledger = await this.deps.portfolios.ledger(connection.portfolioId);
    const plan = syncEntries({
      broker: connection.broker,
      ...fetched,
      ledgerOpen: ledger.state.open,
      openingHoldings: firstSync,
      today: this.now().toISOString().slice(0, 10),
    });
    const written = await this.deps.portfolios.importExternal(
      viewer,
      connection.portfolioId,
      plan.entries,
      marketData,
    );
    const differences = [...plan.expected]
      .map(([symbol, quantity]) => ({
        symbol,
        brokerQuantity: quantity.toFixed(),
        ledgerQuantity: (written.open.get(symbol) ?? new Decimal(0)).toFixed(),
      }))
      .filter((d) => !new Decimal(d.brokerQuantity).eq(d.ledgerQuantity));
    const errors = [
      ...plan.problems,
      ...written.errors.map((e) => ({ message: `${e.externalId}: ${e.message}` })),
    ];
    const now = this.now();
    const updated = await this.deps.repository.update(connection.id, {
      lastSyncedAt: now,
      lastError: errors.length > 0 ? `${errors.length} entries were not imported` : null,
      ...(firstSync ? { holdingsImportedAt: now } : {}),
    });
    return {
      imported: written.imported,
      alreadyImported: written.alreadyImported,
      skipped: errors.length,
      errors,
      differences,
      connection: updated,
    };
  }
}
