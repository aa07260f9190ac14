import type { UpstoxSettings } from '../../../config/broker.schema';
import {
  BrokerError,
  type BrokerClient,
  type BrokerHolding,
  type BrokerPosition,
  type BrokerSession,
  type BrokerTrade,
} from '../broker-client';
import {
  UpstoxPayloadError,
  upstoxData,
  upstoxError,
  upstoxHoldings,
  upstoxPositions,
  upstoxSession,
  upstoxTrades,
} from './upstox.mappers';

/** Longest part of Upstox's own error message passed on to the user. */
const MAX_MESSAGE = 200;
/** Upstox's code for an invalid or expired access token. */
const INVALID_TOKEN = 'UDAPI100050';

/** Why a call ended without a usable answer: Upstox's status and error body, if any. */
class UpstoxFailure extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string | null,
    readonly upstoxMessage: string | null,
  ) {
    super('upstox call failed');
  }
}

/**
 * Upstox API v2 over plain HTTP (fetch), every call bounded by PROVIDER_TIMEOUT_MS:
 * the OAuth 2.0 authorization dialog, `POST /v2/login/authorization/token` (form:
 * code, client_id, client_secret, redirect_uri, grant_type=authorization_code), and
 * the portfolio and trade routes with `Authorization: Bearer <token>`. A 401 or
 * `UDAPI100050` is {@link BrokerError} `TOKEN`; another 4xx with Upstox's error body
 * `INPUT`; anything else (5xx, not JSON, not the documented format, a timeout)
 * `UNAVAILABLE`.
 */
export class UpstoxClient implements BrokerClient {
  readonly broker = 'UPSTOX' as const;

  constructor(
    private readonly settings: UpstoxSettings,
    private readonly timeoutMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  loginUrl(state: string): string {
    const url = new URL(this.settings.loginUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('redirect_uri', this.settings.redirectUri);
    url.searchParams.set('state', state);
    return url.toString();
  }

  exchange(code: string): Promise<BrokerSession> {
    const form = new URLSearchParams({
      code,
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
      redirect_uri: this.settings.redirectUri,
      grant_type: 'authorization_code',
    });
    return this.call('sign-in', async () =>
      upstoxSession(
        await this.request('/v2/login/authorization/token', {
          method: 'POST',
          headers: {
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
        }),
        this.now(),
      ),
    );
  }

  holdings(accessToken: string): Promise<BrokerHolding[]> {
    return this.call('holdings', async () =>
      upstoxHoldings(
        upstoxData(await this.get('/v2/portfolio/long-term-holdings', accessToken), 'holdings'),
      ),
    );
  }

  positions(accessToken: string): Promise<BrokerPosition[]> {
    return this.call('positions', async () =>
      upstoxPositions(
        upstoxData(await this.get('/v2/portfolio/short-term-positions', accessToken), 'positions'),
      ),
    );
  }

  trades(accessToken: string): Promise<BrokerTrade[]> {
    const today = this.now().toISOString().slice(0, 10);
    return this.call('trades', async () =>
      upstoxTrades(
        upstoxData(await this.get('/v2/order/trades/get-trades-for-day', accessToken), 'trades'),
        today,
      ),
    );
  }

  private get(path: string, accessToken: string): Promise<unknown> {
    return this.request(path, {
      method: 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` },
    });
  }

  /** The JSON body of a 2xx answer; {@link UpstoxFailure} otherwise. */
  private async request(path: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.settings.baseUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch {
      // Network failures and timeouts: never the URL, never the token.
      throw new UpstoxFailure(null, null, null);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UpstoxFailure(response.status, null, null);
    }
    if (response.ok) return body;
    const error = upstoxError(body);
    throw new UpstoxFailure(response.status, error?.code ?? null, error?.message ?? null);
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw upstoxBrokerErrorOf(what, error);
    }
  }
}

/** Upstox's failure as a {@link BrokerError}. */
export function upstoxBrokerErrorOf(what: string, error: unknown): BrokerError {
  if (error instanceof UpstoxPayloadError) {
    return new BrokerError('UNAVAILABLE', `Upstox answered ${what} in an unexpected format`);
  }
  if (!(error instanceof UpstoxFailure) || error.status === null) {
    return new BrokerError('UNAVAILABLE', `Upstox did not answer ${what} usably`);
  }
  const message = error.upstoxMessage?.slice(0, MAX_MESSAGE) ?? 'no message';
  const detail = error.code ? `${error.code} ${message}` : message;
  if (error.status === 401 || error.code === INVALID_TOKEN) {
    return new BrokerError('TOKEN', `Upstox refused the session (${what}): ${detail}`);
  }
  if (error.status >= 400 && error.status < 500 && error.status !== 429 && error.code) {
    return new BrokerError('INPUT', `Upstox refused the request (${what}): ${detail}`);
  }
  return new BrokerError('UNAVAILABLE', `Upstox did not answer ${what} usably`);
}
