import { isIsoDate } from '../../domain/dates';
import type { FxPoint, FxSeries } from '../../domain/fx';
import type { Dividend, PriceBar, Quote, Split } from '../../domain/market';
import type { DataKind } from './provider';

/** Why a value was dropped. */
export type RejectReason = 'invalid' | 'non_positive_price' | 'future_timestamp' | 'jump';

/** Told about every dropped value (metrics and logs). */
export type RejectListener = (kind: DataKind, reason: RejectReason, detail: string) => void;

/** Options for {@link DataQuality}. */
export interface DataQualityOptions {
  /**
   * Largest accepted move from one price to the next as a fraction: 1 accepts up to a
   * doubling or a halving (|ln(p / prev)| <= ln 2).
   */
  maxDayMove: number;
  onReject: RejectListener;
  now?: () => Date;
  /** Clock skew tolerated before a quote's timestamp counts as in the future. */
  skewMs?: number;
}

const positive = (...values: number[]) => values.every((v) => Number.isFinite(v) && v > 0);

/**
 * The data-quality gate every provider's answers pass: prices must be positive,
 * timestamps not in the future, and no price may jump more than `maxDayMove` from the
 * previous one (a bar from the previous kept bar, a quote from its previous close).
 * Failing values are dropped, never repaired, and reported.
 */
export class DataQuality {
  private readonly maxLogMove: number;
  private readonly now: () => Date;
  private readonly skewMs: number;

  constructor(private readonly options: DataQualityOptions) {
    this.maxLogMove = Math.log(1 + options.maxDayMove);
    this.now = options.now ?? (() => new Date());
    this.skewMs = options.skewMs ?? 60_000;
  }

  private jumped(price: number, previous: number): boolean {
    return Math.abs(Math.log(price / previous)) > this.maxLogMove;
  }

  /** The quote, or null when it is dropped. */
  quote(quote: Quote): Quote | null {
    const reject = (reason: RejectReason, detail: string) => {
      this.options.onReject('quote', reason, `${quote.symbol}: ${detail}`);
      return null;
    };
    if (!positive(quote.price)) return reject('non_positive_price', `price ${quote.price}`);
    if (quote.timestamp.getTime() > this.now().getTime() + this.skewMs) {
      return reject('future_timestamp', `timestamp ${quote.timestamp.toISOString()}`);
    }
    if (positive(quote.previousClose) && this.jumped(quote.price, quote.previousClose)) {
      return reject('jump', `price ${quote.price} after close ${quote.previousClose}`);
    }
    return quote;
  }

  /** Bars oldest first, without the dropped ones. */
  bars(symbol: string, bars: readonly PriceBar[]): PriceBar[] {
    const today = this.now().toISOString().slice(0, 10);
    const kept: PriceBar[] = [];
    for (const bar of bars) {
      const reject = (reason: RejectReason, detail: string) =>
        this.options.onReject('history', reason, `${symbol} ${bar.date}: ${detail}`);
      if (!positive(bar.open, bar.high, bar.low, bar.close, bar.adjClose)) {
        reject('non_positive_price', 'a price is not positive');
      } else if (bar.date > today) {
        reject('future_timestamp', 'dated after today');
      } else if (kept.length > 0 && this.jumped(bar.adjClose, kept[kept.length - 1].adjClose)) {
        reject('jump', `adjClose ${bar.adjClose} after ${kept[kept.length - 1].adjClose}`);
      } else {
        kept.push(bar);
      }
    }
    return kept;
  }

  /** Dividends with a positive amount (future ex-dates are announcements, and kept). */
  dividends(symbol: string, dividends: readonly Dividend[]): Dividend[] {
    return dividends.filter((d) => {
      if (positive(d.amount)) return true;
      this.options.onReject(
        'dividends',
        'non_positive_price',
        `${symbol} ${d.exDate}: ${d.amount}`,
      );
      return false;
    });
  }

  /** Splits with a positive ratio. */
  splits(symbol: string, splits: readonly Split[]): Split[] {
    return splits.filter((s) => {
      if (positive(s.ratio)) return true;
      this.options.onReject(
        'splits',
        'non_positive_price',
        `${symbol} ${s.date}: ratio ${s.ratio}`,
      );
      return false;
    });
  }

  /**
   * The series oldest first, one rate per date: rates must be finite and positive, dates
   * real and not after today, and no rate may jump more than `maxDayMove` from the last
   * one kept. Of two rates for one date the first given is kept.
   */
  fx(series: FxSeries): FxSeries {
    const today = this.now().toISOString().slice(0, 10);
    const reject = (reason: RejectReason, detail: string) =>
      this.options.onReject('fx', reason, `${series.currency} ${detail}`);
    const dated: FxPoint[] = [];
    for (const point of series.points) {
      if (typeof point.date !== 'string' || !isIsoDate(point.date)) {
        reject('invalid', `date ${JSON.stringify(point.date)}`);
      } else if (!positive(point.rate)) {
        reject('non_positive_price', `${point.date}: rate ${point.rate}`);
      } else if (point.date > today) {
        reject('future_timestamp', `${point.date}: dated after today`);
      } else {
        dated.push(point);
      }
    }
    // A stable sort: of two points of one date, the one given first stays first.
    dated.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const kept: FxPoint[] = [];
    for (const point of dated) {
      const last = kept[kept.length - 1];
      if (last?.date === point.date) {
        reject('invalid', `${point.date}: a second rate for the date`);
      } else if (last && this.jumped(point.rate, last.rate)) {
        reject('jump', `${point.date}: rate ${point.rate} after ${last.rate}`);
      } else {
        kept.push({ date: point.date, rate: point.rate });
      }
    }
    return { ...series, points: kept };
  }
}
