import { KiteConnect } from 'kiteconnect';
import type { KiteSettings } from '../../../config/broker.schema';
import {
  BrokerError,
  type BrokerClient,
  type BrokerHolding,
  type BrokerPosition,
  type BrokerSession,
  type BrokerTrade,
} from '../broker-client';
import {
  KitePayloadError,
  kiteHoldings,
  kitePositions,
  kiteSession,
  kiteTrades,
} from './kite.mappers';

/** Longest part of Kite's own error message passed on to the user. */
const MAX_MESSAGE = 200;

/** What the kiteconnect client rejects with: Kite's error body, or one it made up. */
interface KiteFailure {
  error_type?: unknown;
  message?: unknown;
}

/**
 * Zerodha Kite Connect v3 through the official `kiteconnect` client: its `root` points
 * it at KITE_BASE_URL, it sends `X-Kite-Version: 3` and `Authorization: token
 * api_key:access_token`, and computes the token exchange's checksum (SHA-256 of api_key
 * + request_token + api_secret). Kite's `TokenException` is {@link BrokerError} `TOKEN`,
 * `InputException` `INPUT`; anything else, a timeout, or a payload not in the documented
 * format is `UNAVAILABLE`.
 */
export class KiteClient implements BrokerClient {
  readonly broker = 'KITE' as const;

  constructor(
    private readonly settings: KiteSettings,
    private readonly timeoutMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private connect(accessToken?: string) {
    return new KiteConnect({
      api_key: this.settings.apiKey,
      root: this.settings.baseUrl,
      timeout: this.timeoutMs,
      ...(accessToken ? { access_token: accessToken } : {}),
    });
  }

  // The client's own getLoginURL ignores `login_uri`; Kite returns `redirect_params`
  // (URL-encoded query text) to the app's redirect URL alongside request_token.
  loginUrl(state: string): string {
    const url = new URL(this.settings.loginUrl);
    url.searchParams.set('v', '3');
    url.searchParams.set('api_key', this.settings.apiKey);
    url.searchParams.set('redirect_params', new URLSearchParams({ state }).toString());
    return url.toString();
  }

  exchange(requestToken: string): Promise<BrokerSession> {
    return this.call('sign-in', async () =>
      kiteSession(
        await this.connect().generateSession(requestToken, this.settings.apiSecret),
        this.now(),
      ),
    );
  }

  holdings(accessToken: string): Promise<BrokerHolding[]> {
    return this.call('holdings', async () =>
      kiteHoldings(await this.connect(accessToken).getHoldings()),
    );
  }

  positions(accessToken: string): Promise<BrokerPosition[]> {
    return this.call('positions', async () =>
      kitePositions(await this.connect(accessToken).getPositions()),
    );
  }

  trades(accessToken: string): Promise<BrokerTrade[]> {
    const today = this.now().toISOString().slice(0, 10);
    return this.call('trades', async () =>
      kiteTrades(await this.connect(accessToken).getTrades(), today),
    );
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw brokerErrorOf(what, error);
    }
  }
}

/** Kite's failure as a {@link BrokerError}. */
export function brokerErrorOf(what: string, error: unknown): BrokerError {
  if (error instanceof KitePayloadError) {
    return new BrokerError('UNAVAILABLE', `Zerodha answered ${what} in an unexpected format`);
  }
  const failure = (error ?? {}) as KiteFailure;
  const message =
    typeof failure.message === 'string' ? failure.message.slice(0, MAX_MESSAGE) : 'no message';
  switch (failure.error_type) {
    case 'TokenException':
      return new BrokerError('TOKEN', `Zerodha refused the session (${what}): ${message}`);
    case 'InputException':
      return new BrokerError('INPUT', `Zerodha refused the request (${what}): ${message}`);
    default:
      // NetworkException, GeneralException, DataException, timeouts: never the URL.
      return new BrokerError('UNAVAILABLE', `Zerodha did not answer ${what} usably`);
  }
}
