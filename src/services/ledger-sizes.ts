import { LRUCache } from 'lru-cache';
import { EMPTY_LEDGER, type LedgerSizes } from '../domain/query-prices';
import type { Viewer } from '../domain/viewer';
import type {
  LedgerExtent,
  PortfolioRepository,
} from '../datasources/database/portfolio.repository';
import type { InvalidationBus } from './invalidation-bus';
import { PORTFOLIO_MESSAGE } from './ledger-cache';

/** How long a user's ledger extents are kept when no change message arrives (bus down). */
const TTL_MS = 10_000;
/** Users whose extents are kept per process. */
const MAX_USERS = 10_000;
const DAY_MS = 86_400_000;

/**
 * The sizes of a caller's ledgers, for pricing operations before they run: one
 * aggregate query per user, kept until any portfolio changes (the bus message every
 * change sends, on every replica) or for {@link TTL_MS}.
 */
export class LedgerSizesService {
  private readonly cache = new LRUCache<string, Promise<LedgerExtent[]>>({
    max: MAX_USERS,
    ttl: TTL_MS,
  });

  constructor(
    private readonly repository: PortfolioRepository,
    bus: InvalidationBus | null,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Any change may grow someone's ledger; changes are rare beside reads.
    bus?.onMessage((message) => {
      if (message.startsWith(PORTFOLIO_MESSAGE)) this.cache.clear();
    });
  }

  /**
   * The largest sizes among the viewer's portfolios `ids` (all of them when null):
   * each measure is the maximum over those portfolios, an upper bound of any one.
   */
  async sizesOf(viewer: Viewer, ids: readonly string[] | null): Promise<LedgerSizes> {
    let extents = this.cache.get(viewer.userId);
    if (!extents) {
      extents = this.repository.ledgerExtents(viewer.userId);
      this.cache.set(viewer.userId, extents);
      extents.catch(() => this.cache.delete(viewer.userId));
    }
    const wanted = ids ? new Set(ids) : null;
    const today = Date.parse(this.now().toISOString().slice(0, 10));
    let sizes = EMPTY_LEDGER;
    for (const extent of await extents) {
      if (wanted && !wanted.has(extent.portfolioId)) continue;
      const days = extent.firstDate
        ? Math.max(0, Math.round((today - Date.parse(extent.firstDate)) / DAY_MS)) + 1
        : 0;
      sizes = {
        transactions: Math.max(sizes.transactions, extent.transactions),
        symbols: Math.max(sizes.symbols, extent.symbols),
        days: Math.max(sizes.days, days),
      };
    }
    return sizes;
  }
}
