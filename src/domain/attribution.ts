/**
 * Where a range's return came from, in money of the portfolio's base currency. The
 * return of a range is its value change net of external flows (end value − start value
 * − net flows); the terms below sum to it by construction.
 */

/** What the attribution of one range is computed from. */
export interface AttributionInputs {
  /** The holdings' market value at the close before the range and at its last day; null when a held symbol has no close then. */
  startMarketValue: number | null;
  endMarketValue: number | null;
  /** Σ quantity × price of the range's buys − Σ of its sells: money moved into holdings at trade prices (commissions excluded). */
  netPurchases: number;
  /** DIVIDEND amounts in the range. */
  dividends: number;
  /** FEE amounts plus buy and sell commissions in the range, as positive money paid. */
  fees: number;
  /** The part of the holdings' value change due to exchange rates; 0 while every amount is in one currency. */
  currency: number | null;
}

/** The return of a range, split by source. */
export interface ReturnAttribution {
  /** Holdings' value change not explained by trades or exchange rates: realized and unrealized price gains. */
  price: number | null;
  dividends: number;
  currency: number | null;
  /** Negative: money paid. */
  fees: number;
  /** price + dividends + currency + fees. */
  total: number | null;
}

/**
 * price = end market value − start market value − net purchases − currency; dividends;
 * currency; fees = −(FEE entries + commissions); total = their sum. Null price and total
 * when a market value or the currency term is unknown.
 */
export function attributeReturn(inputs: AttributionInputs): ReturnAttribution {
  const { startMarketValue: start, endMarketValue: end, currency } = inputs;
  const price =
    start === null || end === null || currency === null
      ? null
      : end - start - inputs.netPurchases - currency;
  const fees = inputs.fees === 0 ? 0 : -inputs.fees;
  const total =
    price === null || currency === null ? null : price + inputs.dividends + currency + fees;
  return {
    price: price !== null && Number.isFinite(price) ? price : null,
    dividends: inputs.dividends,
    currency,
    fees,
    total: total !== null && Number.isFinite(total) ? total : null,
  };
}
