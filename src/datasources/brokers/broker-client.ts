/** Brokers a portfolio can be synced with. */
export type BrokerName = 'KITE' | 'UPSTOX';

/** What a token exchange gives: the access token and whose account it opens. */
export interface BrokerSession {
  accessToken: string;
  brokerUserId: string;
  /** When the broker stops accepting the token (Kite: the next 06:00 IST; Upstox: the next 03:30 IST). */
  expiresAt: Date;
}

/** One executed trade (a fill), decimals as exact strings. */
export interface BrokerTrade {
  tradeId: string;
  orderId: string;
  exchange: string;
  /** The broker's trading symbol as it came (INFY, INFY-BE). */
  tradingSymbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  /** The exchange's calendar day of the fill, YYYY-MM-DD (IST for Indian brokers). */
  date: string;
}

/** A delivery holding: settled and T+1 quantity together, at the broker's average price. */
export interface BrokerHolding {
  exchange: string;
  tradingSymbol: string;
  quantity: string;
  averagePrice: string;
}

/** A position of the day: the net quantity bought (positive) or sold (negative) today. */
export interface BrokerPosition {
  exchange: string;
  tradingSymbol: string;
  quantity: string;
}

/**
 * Why a broker call failed: `TOKEN`, the access token (or the request token of a
 * sign-in) was refused and the user must sign in again; `INPUT`, the broker refused what
 * was sent; `UNAVAILABLE`, it did not answer, or not in its documented format.
 */
export type BrokerErrorKind = 'TOKEN' | 'INPUT' | 'UNAVAILABLE';

/** A failed broker call. `message` is safe to show: no URL, no token. */
export class BrokerError extends Error {
  constructor(
    readonly kind: BrokerErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** One broker's API, as broker sync uses it. Every method throws only {@link BrokerError}. */
export interface BrokerClient {
  readonly broker: BrokerName;
  /** Where the user signs in; the broker sends `state` back to the redirect. */
  loginUrl(state: string): string;
  /** Exchanges the code of the broker's redirect for an access token. */
  exchange(code: string): Promise<BrokerSession>;
  holdings(accessToken: string): Promise<BrokerHolding[]>;
  positions(accessToken: string): Promise<BrokerPosition[]>;
  /** The day's trades. */
  trades(accessToken: string): Promise<BrokerTrade[]>;
}
