import { positionsOf } from '../domain/ledger';
import type { Quote } from '../domain/market';
import type { Logger } from '../observability/logger';
import { createMarketLoaders } from '../loaders/market.loaders';
import type { InvalidationBus } from './invalidation-bus';
import type { LiveFeedSource } from './live-feed';
import type { MarketDataService } from './market-data.service';
import { valuationOf } from './portfolio-analytics';
import { PortfolioService } from './portfolio.service';
import type { QuoteStream } from './quote-stream';

/** A portfolio's valuation, as `Portfolio.valuation` answers it. */
export type Valuation = Awaited<ReturnType<typeof valuationOf>>;

/** What {@link portfolioValuationSource} needs. */
export interface PortfolioFeedDeps {
  portfolioId: string;
  portfolios: PortfolioService;
  marketData: MarketDataService;
  quoteStream: QuoteStream;
  bus: InvalidationBus;
  logger: Logger;
  /** The viewer's plan delay (0: live quotes). */
  delayMs: number;
}

/**
 * A portfolio's valuation, recomputed from the shared quote stream whenever the price
 * of one of its holdings moves, and when its ledger changes (any replica announces that
 * on the bus). The holdings' symbols are watched like any quote subscription, so a
 * symbol held by many portfolios is still one upstream stream. Recomputations do not
 * pile up: while one runs, further moves only mark the next. The first event is the
 * current valuation.
 */
export function portfolioValuationSource(deps: PortfolioFeedDeps): LiveFeedSource<Valuation> {
  return {
    listen(emit) {
      const latest = new Map<string, Quote>();
      let ledger: Awaited<ReturnType<PortfolioService['ledger']>> | null = null;
      let unwatch: () => void = () => undefined;
      let watching = '';
      let running = false;
      let again = false;
      let stopped = false;

      const recompute = async (): Promise<void> => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            if (!ledger) break;
            const loaders = createMarketLoaders(deps.marketData, deps.delayMs);
            for (const [symbol, quote] of latest) loaders.quote.prime(symbol, quote);
            const valuation = await valuationOf(ledger.state, loaders);
            if (!stopped) emit(valuation, deps.portfolioId);
          } while (again && !stopped);
        } catch (error) {
          deps.logger.warn({ err: (error as Error).message }, 'live valuation failed');
        } finally {
          running = false;
        }
      };

      const reload = async (): Promise<void> => {
        try {
          ledger = await deps.portfolios.ledger(deps.portfolioId);
          if (stopped) return;
          const symbols = positionsOf(ledger.state).map((p) => p.symbol);
          const key = symbols.join(',');
          if (key !== watching) {
            watching = key;
            const previous = unwatch;
            unwatch = deps.quoteStream.watch(
              symbols,
              (quote) => {
                latest.set(quote.symbol, quote);
                void recompute();
              },
              deps.delayMs,
            );
            previous();
          }
          await recompute();
        } catch (error) {
          deps.logger.warn({ err: (error as Error).message }, 'live valuation reload failed');
        }
      };

      const changed = PortfolioService.changed(deps.portfolioId);
      const stopBus = deps.bus.onMessage((message) => {
        if (message === changed) void reload();
      });
      void reload();
      return () => {
        stopped = true;
        stopBus();
        unwatch();
      };
    },
  };
}
