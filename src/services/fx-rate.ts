import type { DateRange } from '../datasources/providers/provider';
import { crossRate, FIXED_SOURCE, type FxRate, type FxSeries } from '../domain/fx';
import { BadUserInputError } from '../errors/errors';
import { requireCurrency } from './currency-input';

/** What {@link fxRate} reads. */
export interface FxRateDeps {
  /** The daily series of one currency against USD (the request's `fx` loader). */
  series: (currency: string) => Promise<FxSeries | null>;
  /** The days rates are held for (MarketDataService.historyWindow); `to` is today. */
  window: DateRange;
}

// The providers of both sides, USD's fixed series aside.
function sourceOf(a: FxSeries, b: FxSeries): string {
  const sources = [...new Set([a.source, b.source])].filter((s) => s !== FIXED_SOURCE);
  return sources.length > 0 ? sources.join('+') : FIXED_SOURCE;
}

/**
 * The rate from `from` to `to` on `date` (today, UTC, by default): the last daily close
 * on or before it, crossed through USD. A currency against itself is 1 without a lookup.
 * Null when no provider knows either currency, or none has a rate by that day.
 *
 * @throws BadUserInputError naming the argument: a code that is not three letters, or a
 * date after today or before the window of rates held.
 */
export async function fxRate(
  args: { from: string; to: string; date?: string | null },
  deps: FxRateDeps,
): Promise<FxRate | null> {
  const from = requireCurrency(args.from, 'from');
  const to = requireCurrency(args.to, 'to');
  const { window } = deps;
  const date = args.date ?? window.to;
  if (date > window.to) {
    throw new BadUserInputError(`date ${date} is in the future (today is ${window.to}, UTC)`, {
      argument: 'date',
      problem: 'in the future',
      max: window.to,
    });
  }
  if (date < window.from) {
    throw new BadUserInputError(
      `date ${date} is before ${window.from}, the first day of the rates held`,
      { argument: 'date', problem: 'before the history window', min: window.from },
    );
  }
  if (from === to) return { from, to, date, rate: 1, source: FIXED_SOURCE };
  const [a, b] = await Promise.all([deps.series(from), deps.series(to)]);
  const crossed = a && b ? crossRate(a, b, date) : null;
  if (!a || !b || !crossed) return null;
  return { from, to, date: crossed.date, rate: crossed.rate, source: sourceOf(a, b) };
}
