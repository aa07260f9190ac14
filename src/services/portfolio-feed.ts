import { positionsOf } from '../domain/ledger';
import type { Quote } from '../domain/market';
import type { SymbolAcquisition } from '../datasources/cache/symbol-registry';
import type { Logger } from '../observability/logger';
import { createMarketLoaders } from '../loaders/market.loaders';
import type { InvalidationBus } from './invalidation-bus';
import type { LiveFeedSource } from './live-feed';
import type { MarketDataService } from './market-data.service';
import { valuationOf } from './portfolio-analytics';
import { bookOf } from './portfolio-currency';
import { PortfolioService } from './portfolio.service';
import type { QuoteStream } from './quote-stream';

const today = () => new Date().toISOString().slice(0, 10);

/** A portfolio's valuation, as `Portfolio.valuation` answers it. */
export type Valuation = Awaited<ReturnType<typeof valuationOf>>;

/** What {@link portfolioValuationSource} needs. */
export interface PortfolioFeedDeps {
  portfolioId: string;
  /** The portfolio's base currency: what every value is converted to. */
  baseCurrency: string;
  portfolios: PortfolioService;
  marketData: MarketDataService;
  quoteStream: QuoteStream;
  bus: InvalidationBus;
  logger: Logger;
  /** The viewer's plan delay (0: live quotes). */
  delayMs: number;
  /**
   * Holds the symbols watched against the account's plan limit (symbols subscribed),
   * as a quote subscription does; the first hold is the subscribe's own.
   */
  holdSymbols(symbols: readonly string[]): Promise<SymbolAcquisition>;
  /** The hold taken when subscribing, for the symbols held then. */
  initial: { symbols: readonly string[]; hold: { release(): void } };
}

/**
 * A portfolio's valuation, recomputed from the shared quote stream whenever the price
 * of one of its holdings moves, and when its ledger changes (any replica announces that
 * on the bus). The holdings' symbols are watched like any quote subscription, so a
 * symbol held by many portfolios is still one upstream stream. Recomputations do not
 * pile up: while one runs, further moves only mark the next. The first event is the
 * current valuation. The symbols watched count towards the account's symbols
 * subscribed; when a ledger change would take it past its plan, the feed goes on
 * watching the symbols it holds (valuations still price every holding, from the
 * latest quotes) and logs why.
 */
export function portfolioValuationSource(deps: PortfolioFeedDeps): LiveFeedSource<Valuation> {
  // Held for the feed's life, listened to or not: released when it ends.
  let hold = deps.initial.hold;
  let held = [...deps.initial.symbols].sort().join(',');
  return {
    release: () => hold.release(),
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
            const book = await bookOf(ledger, deps.baseCurrency, loaders, today());
            const valuation = await valuationOf(book, loaders);
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
          if (ledger.problem) {
            // No value from a ledger that does not replay: stop until it is mended.
            unwatch();
            unwatch = () => {};
            watching = '';
            deps.logger.warn(
              { portfolioId: deps.portfolioId, problem: ledger.problem },
              'live valuation: the stored ledger does not replay; no values until it is mended',
            );
            return;
          }
          let symbols = positionsOf(ledger.state).map((p) => p.symbol);
          const wanted = [...symbols].sort().join(',');
          if (wanted !== held) {
            const acquired = await deps.holdSymbols(symbols);
            if (stopped) {
              if (acquired.ok) acquired.hold.release();
              return;
            }
            if (acquired.ok) {
              hold.release();
              hold = acquired.hold;
              held = wanted;
            } else {
              deps.logger.warn(
                { portfolioId: deps.portfolioId, subscribed: acquired.held },
                'live valuation: the plan allows no more symbols subscribed; watching those held',
              );
              symbols = held ? held.split(',') : [];
            }
          }
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
