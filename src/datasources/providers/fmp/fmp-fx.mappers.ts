import { z } from 'zod';
import { FX_ANCHOR, type FxPoint, type FxSeries } from '../../../domain/fx';
import { isoDateString, mapEach, numeric, parseEnvelope, type Mapped } from '../mapping';

// Financial Modeling Prep lists forex pairs as symbols (EURUSD) on the same end-of-day
// endpoint as stocks: https://site.financialmodelingprep.com/developer/docs/stable
// (Historical Forex Full Chart, `/historical-price-eod/full?symbol=EURUSD`, from and to
// optional, at most 5,000 rows per call). Fixture: test/fixtures/providers/fmp/.

const PROVIDER = 'fmp';

/**
 * FMP's symbol of a currency against USD: EUR → EURUSD, or with `inverted` the pair
 * quoted the other way round, USD → EUR (USDEUR).
 */
export const fmpFxSymbol = (currency: string, inverted = false): string =>
  inverted ? `${FX_ANCHOR}${currency}` : `${currency}${FX_ANCHOR}`;

const rowSchema = z.object({
  symbol: z.string().optional(),
  date: isoDateString,
  close: numeric,
});

/**
 * `/historical-price-eod/full?symbol=<CCY>USD`: the daily closes of the pair, oldest
 * first, as USD per unit of `currency`; with `inverted`, the rows of `USD<CCY>`, whose
 * closes are inverted. Null for a pair FMP does not list (it answers an empty array). A
 * row of another symbol, or without a date or a positive close, is dropped and counted.
 */
export function mapFmpFx(
  currency: string,
  body: unknown,
  inverted = false,
): Mapped<FxSeries> | null {
  const rows = parseEnvelope(PROVIDER, 'historical-price-eod (forex)', z.array(z.unknown()), body);
  if (rows.length === 0) return null;
  const pair = fmpFxSymbol(currency, inverted);
  const mapped = mapEach(rowSchema, rows, (row): FxPoint | null => {
    if (row.symbol !== undefined && row.symbol.toUpperCase() !== pair) return null;
    if (!inverted) return { date: row.date, rate: row.close };
    return row.close > 0 ? { date: row.date, rate: 1 / row.close } : null;
  });
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return { value: { currency, points: mapped.value, source: PROVIDER }, invalid: mapped.invalid };
}
