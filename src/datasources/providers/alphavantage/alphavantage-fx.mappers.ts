import { z } from 'zod';
import { FX_ANCHOR, type FxSeries } from '../../../domain/fx';
import { isoDateString, mapEach, numeric, parseEnvelope, type Mapped } from '../mapping';
import { ProviderError } from '../provider-error';

// Alpha Vantage's FX_DAILY (https://www.alphavantage.co/documentation/#fx-daily):
// `function=FX_DAILY&from_symbol=EUR&to_symbol=USD&outputsize=full` answers "Meta Data"
// and "Time Series FX (Daily)", dates to `"1. open"`…`"4. close"` strings. Throttling and
// key errors are HTTP 200 bodies handled by checkAlphaVantageBody before this mapper;
// fixtures in test/fixtures/providers/alphavantage/.

const PROVIDER = 'alphavantage';

const fxDailySchema = z.object({
  'Meta Data': z.object({ '2. From Symbol': z.string(), '3. To Symbol': z.string() }),
  'Time Series FX (Daily)': z.record(z.string(), z.unknown()),
});
const rowSchema = z.object({ date: isoDateString, rate: z.object({ '4. close': numeric }) });

/**
 * FX_DAILY of `<currency>`/USD: the daily closes, oldest first; null for a currency Alpha
 * Vantage does not know (its "Invalid API call" `Error Message`). A series of another
 * pair than the one asked is a provider failure, not data.
 */
export function mapAlphaVantageFx(currency: string, body: unknown): Mapped<FxSeries> | null {
  if (typeof body === 'object' && body !== null && 'Error Message' in body) return null;
  const parsed = parseEnvelope(PROVIDER, 'FX_DAILY', fxDailySchema, body);
  const meta = parsed['Meta Data'];
  const pair = `${meta['2. From Symbol']}/${meta['3. To Symbol']}`.toUpperCase();
  if (pair !== `${currency}/${FX_ANCHOR}`) {
    throw new ProviderError(PROVIDER, 'invalid', `FX_DAILY: answered ${pair} for ${currency}`);
  }
  const rows = Object.entries(parsed['Time Series FX (Daily)']).map(([date, rate]) => ({
    date,
    rate,
  }));
  const mapped = mapEach(rowSchema, rows, (row) => ({
    date: row.date,
    rate: row.rate['4. close'],
  }));
  mapped.value.sort((a, b) => a.date.localeCompare(b.date));
  return { value: { currency, points: mapped.value, source: PROVIDER }, invalid: mapped.invalid };
}
