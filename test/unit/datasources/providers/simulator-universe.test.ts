import { SECTORS } from '../../../../src/datasources/providers/simulator/listings/facts';
import {
  ETF_LISTINGS,
  INDEX_LISTINGS,
} from '../../../../src/datasources/providers/simulator/listings/funds';
import { NIFTY50 } from '../../../../src/datasources/providers/simulator/listings/nifty50';
import { SP500 } from '../../../../src/datasources/providers/simulator/listings/sp500';
import { SimulatorProvider } from '../../../../src/datasources/providers/simulator/simulator.provider';
import { CORE_SYMBOLS, UNIVERSE } from '../../../../src/datasources/providers/simulator/universe';

const FRIDAY_AFTERNOON = new Date('2026-11-20T18:00:00Z');
const simulator = () => new SimulatorProvider({ now: () => FRIDAY_AFTERNOON });
const ALL_TIME = { from: '1900-01-01', to: '2100-01-01' };

// Written out here, not read from the data modules, so that a row lost there fails.
// prettier-ignore
const WELL_KNOWN_US = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'GOOG', 'META', 'TSLA', 'BRK.B', 'AVGO',
  'JPM', 'V', 'MA', 'BAC', 'WFC', 'C', 'MS', 'GS', 'BLK', 'AXP', 'SCHW', 'BK', 'USB', 'PYPL',
  'UNH', 'JNJ', 'LLY', 'PFE', 'MRK', 'ABBV', 'ABT', 'TMO', 'AMGN', 'BMY', 'GILD', 'CVS',
  'PG', 'KO', 'PEP', 'WMT', 'COST', 'MO', 'PM', 'TGT', 'MDLZ', 'CL',
  'HD', 'LOW', 'MCD', 'NKE', 'SBUX', 'F', 'GM', 'BKNG', 'DIS', 'NFLX', 'CMCSA', 'T', 'VZ',
  'TMUS', 'XOM', 'CVX', 'COP', 'BA', 'CAT', 'DE', 'GE', 'HON', 'LMT', 'RTX', 'UPS', 'UNP',
  'MMM', 'UBER', 'INTC', 'AMD', 'CSCO', 'ORCL', 'CRM', 'ADBE', 'IBM', 'QCOM', 'TXN', 'MU',
  'PLTR', 'NOW', 'INTU', 'NEE', 'DUK', 'SO', 'AMT', 'PLD', 'LIN', 'BF.B', 'FOXA', 'NWSA',
];

// prettier-ignore
const NIFTY_50 = [
  'ADANIENT', 'ADANIPORTS', 'APOLLOHOSP', 'ASIANPAINT', 'AXISBANK', 'BAJAJ-AUTO', 'BAJAJFINSV',
  'BAJFINANCE', 'BEL', 'BHARTIARTL', 'CIPLA', 'COALINDIA', 'DRREDDY', 'EICHERMOT', 'ETERNAL',
  'GRASIM', 'HCLTECH', 'HDFCBANK', 'HDFCLIFE', 'HINDALCO', 'HINDUNILVR', 'ICICIBANK', 'INDIGO',
  'INFY', 'ITC', 'JIOFIN', 'JSWSTEEL', 'KOTAKBANK', 'LT', 'M&M', 'MARUTI', 'MAXHEALTH',
  'NESTLEIND', 'NTPC', 'ONGC', 'POWERGRID', 'RELIANCE', 'SBILIFE', 'SBIN', 'SHRIRAMFIN',
  'SUNPHARMA', 'TATACONSUM', 'TATASTEEL', 'TCS', 'TECHM', 'TITAN', 'TMPV', 'TRENT',
  'ULTRACEMCO', 'WIPRO',
];

// prettier-ignore
const US_ETFS = [
  'SPY', 'IVV', 'VOO', 'VTI', 'QQQ', 'DIA', 'IWM', 'VEA', 'VWO', 'EFA', 'EEM', 'ACWI',
  'XLK', 'XLF', 'XLV', 'XLE', 'XLI', 'XLY', 'XLP', 'XLU', 'XLB', 'XLRE', 'XLC',
  'AGG', 'BND', 'TLT', 'IEF', 'SHY', 'LQD', 'HYG', 'TIP', 'GLD', 'IAU', 'SLV',
];
const INDIAN_ETFS = ['NIFTYBEES', 'GOLDBEES', 'BANKBEES', 'JUNIORBEES'];
const US_INDICES = ['^GSPC', '^NDX', '^IXIC', '^DJI', '^RUT'];
const INDIAN_INDICES = ['^NSEI', '^NSEBANK'];

const US_EXCHANGES = ['NYSE', 'NASDAQ', 'CBOE'];
const NEW_SYMBOLS = [...UNIVERSE.keys()].filter((symbol) => !CORE_SYMBOLS.includes(symbol));

describe('the simulated universe', () => {
  it('answers every well-known US ticker with a profile in USD on a US exchange', async () => {
    const profiles = await simulator().profiles(WELL_KNOWN_US);
    expect(WELL_KNOWN_US.filter((symbol) => !profiles.has(symbol))).toEqual([]);
    for (const profile of profiles.values()) {
      expect(profile).toMatchObject({
        currency: 'USD',
        country: expect.stringMatching(/^[A-Z]{2}$/),
      });
      expect(US_EXCHANGES).toContain(profile.exchange);
      expect(SECTORS).toContain(profile.sector);
      expect(profile.industry).toBeTruthy();
    }
    expect(profiles.get('BLK')).toMatchObject({
      name: 'BlackRock, Inc.',
      exchange: 'NYSE',
      sector: 'Financial Services',
      industry: 'Asset Management',
      country: 'US',
    });
    expect((await simulator().quotes(WELL_KNOWN_US)).size).toBe(WELL_KNOWN_US.length);
  });

  it('answers all of the NIFTY 50 on the NSE in INR', async () => {
    expect(NIFTY50.map((facts) => facts.symbol).sort()).toEqual([...NIFTY_50].sort());
    const profiles = await simulator().profiles(NIFTY_50);
    expect(profiles.size).toBe(50);
    for (const profile of profiles.values()) {
      expect(profile).toMatchObject({ exchange: 'NSE', currency: 'INR', country: 'IN' });
      expect(SECTORS).toContain(profile.sector);
    }
    // The four first NSE rows keep their hand-tuned numbers.
    expect(UNIVERSE.get('INFY')!.startPrice).toBe(700);
  });

  it('prices NSE listings in a realistic INR range and US ones in USD', () => {
    for (const symbol of NEW_SYMBOLS) {
      const listing = UNIVERSE.get(symbol)!;
      if (listing.industry === 'Index' || listing.industry === 'Exchange Traded Fund') continue;
      const splits = (listing.splits ?? []).reduce((product, split) => product * split.ratio, 1);
      const [min, max] = listing.currency === 'INR' ? [100, 5_000] : [20, 400];
      const price = listing.startPrice / splits;
      expect({ symbol, inRange: price >= min && price <= max }).toEqual({ symbol, inRange: true });
    }
  });

  it('answers the main ETFs and the indices they track, without statements', async () => {
    const provider = simulator();
    const funds = [...US_ETFS, ...INDIAN_ETFS];
    const indices = [...US_INDICES, ...INDIAN_INDICES];
    const profiles = await provider.profiles([...funds, ...indices]);
    expect(profiles.size).toBe(funds.length + indices.length);
    for (const symbol of funds) {
      const indian = INDIAN_ETFS.includes(symbol);
      expect(profiles.get(symbol)).toMatchObject({
        industry: 'Exchange Traded Fund',
        currency: indian ? 'INR' : 'USD',
        employees: null,
      });
      expect(indian ? ['NSE'] : ['NYSE ARCA', 'NASDAQ']).toContain(profiles.get(symbol)!.exchange);
    }
    for (const symbol of indices) {
      expect(profiles.get(symbol)).toMatchObject({
        industry: 'Index',
        exchange: 'INDEX',
        currency: INDIAN_INDICES.includes(symbol) ? 'INR' : 'USD',
      });
    }
    expect(profiles.get('^GSPC')!.name).toBe('S&P 500');
    expect(profiles.get('^NSEI')!.name).toBe('NIFTY 50');
    for (const symbol of [...funds, ...indices]) {
      expect(await provider.statements(symbol, 'ANNUAL')).toEqual([]);
      expect(await provider.statements(symbol, 'QUARTERLY')).toEqual([]);
    }
    // An index pays nothing and has no shares: no market cap, no volume.
    const quotes = await provider.quotes(['^GSPC', '^NSEI', 'IVV']);
    expect(quotes.get('^GSPC')).toMatchObject({ marketCap: null, volume: 0 });
    expect(quotes.get('^NSEI')!.marketCap).toBeNull();
    expect(quotes.get('IVV')!.marketCap).toBeGreaterThan(0);
    expect(await provider.dividends('^GSPC')).toEqual([]);
    expect((await provider.dividends('IVV'))!.length).toBeGreaterThan(20);
  });

  it('holds every S&P 500 constituent once, each answered in USD', async () => {
    const symbols = SP500.map((facts) => facts.symbol);
    expect(symbols.length).toBeGreaterThanOrEqual(500);
    expect(symbols.length).toBeLessThanOrEqual(505);
    expect(new Set(symbols).size).toBe(symbols.length);
    expect(symbols).toEqual(
      expect.arrayContaining(['GOOG', 'GOOGL', 'FOX', 'FOXA', 'NWS', 'NWSA']),
    );
    const profiles = await simulator().profiles(symbols);
    expect(profiles.size).toBe(symbols.length);
    for (const facts of SP500) {
      expect(US_EXCHANGES).toContain(facts.exchange);
      expect(SECTORS).toContain(facts.sector);
      expect(facts.country).toMatch(/^[A-Z]{2}$/);
      expect(profiles.get(facts.symbol)!.currency).toBe('USD');
    }
  });

  it('keeps the hand-tuned rows first and agrees with them on identity', () => {
    expect(CORE_SYMBOLS).toHaveLength(69);
    expect([...UNIVERSE.keys()].slice(0, CORE_SYMBOLS.length)).toEqual(CORE_SYMBOLS);
    const modules = [...SP500, ...NIFTY50, ...ETF_LISTINGS, ...INDEX_LISTINGS];
    expect(new Set(modules.map((facts) => facts.symbol)).size).toBe(modules.length);
    expect(UNIVERSE.size).toBe(new Set([...CORE_SYMBOLS, ...modules.map((f) => f.symbol)]).size);
    for (const facts of modules) {
      if (!CORE_SYMBOLS.includes(facts.symbol)) continue;
      const listing = UNIVERSE.get(facts.symbol)!;
      const { name, exchange, sector, industry, country, currency, website } = listing;
      expect({
        symbol: facts.symbol,
        name,
        exchange,
        sector,
        industry,
        country,
        currency,
        website,
      }).toEqual({
        symbol: facts.symbol,
        name: facts.name,
        exchange: facts.exchange,
        sector: facts.sector,
        industry: facts.industry,
        country: facts.country,
        currency: facts.currency,
        website: facts.website,
      });
    }
  });

  it('draws no NaN and no negative number for a new listing', () => {
    expect(NEW_SYMBOLS.length).toBeGreaterThan(500);
    for (const symbol of NEW_SYMBOLS) {
      const listing = UNIVERSE.get(symbol)!;
      const numbers = {
        employees: listing.employees,
        startPrice: listing.startPrice,
        sharesMillions: listing.sharesMillions,
        dividendYield: listing.dividendYield,
        revenueMillions: listing.revenueMillions,
        netMargin: listing.netMargin,
        volatility: listing.volatility,
        beta: listing.beta ?? 1,
        drift: listing.drift ?? 0.05,
      };
      for (const [field, value] of Object.entries(numbers)) {
        expect({ symbol, field, ok: Number.isFinite(value) && value >= 0 }).toEqual({
          symbol,
          field,
          ok: true,
        });
      }
      expect(listing.startPrice).toBeGreaterThan(0);
      expect(listing.volatility).toBeGreaterThan(0);
      expect(listing.volatility).toBeLessThan(0.6);
      expect(listing.dividendYield).toBeLessThan(0.08);
      expect(['USD', 'INR']).toContain(listing.currency);
      const fund = listing.industry === 'Index' || listing.industry === 'Exchange Traded Fund';
      if (!fund) {
        expect(listing.revenueMillions).toBeGreaterThan(0);
        expect(listing.employees).toBeGreaterThan(0);
        expect(listing.sharesMillions).toBeGreaterThan(0);
      }
    }
  });

  it('builds positive bars and finite quotes for new listings (every 10th of them)', async () => {
    const provider = simulator();
    const sample = NEW_SYMBOLS.filter((_, i) => i % 10 === 0);
    const quotes = await provider.quotes(sample);
    expect(quotes.size).toBe(sample.length);
    for (const symbol of sample) {
      const bars = (await provider.history(symbol, ALL_TIME))!;
      expect(bars[bars.length - 1].date).toBe('2026-11-19');
      const bad = bars.filter(
        (bar) =>
          ![bar.open, bar.high, bar.low, bar.close, bar.adjClose].every(
            (v) => Number.isFinite(v) && v > 0,
          ) || !(bar.volume >= 0),
      );
      expect({ symbol, bad }).toEqual({ symbol, bad: [] });
      const quote = quotes.get(symbol)!;
      expect(Number.isFinite(quote.price) && quote.price > 0).toBe(true);
    }
  });

  it('is deterministic for new symbols: two instances agree (golden value for BLK)', async () => {
    const [a, b] = [simulator(), simulator()];
    const symbols = ['BLK', 'M&M', '^GSPC', 'IVV', 'NIFTYBEES'];
    expect(await a.quotes(symbols)).toEqual(await b.quotes(symbols));
    expect(await a.profiles(symbols)).toEqual(await b.profiles(symbols));
    for (const symbol of symbols) {
      expect(await a.history(symbol, ALL_TIME)).toEqual(await b.history(symbol, ALL_TIME));
      expect(await a.dividends(symbol)).toEqual(await b.dividends(symbol));
    }
    expect(await a.statements('BLK', 'ANNUAL')).toEqual(await b.statements('BLK', 'ANNUAL'));
    // Recorded once; a change here means every user's history of the new symbols changed.
    expect((await a.history('BLK', { from: '2020-01-02', to: '2020-01-02' }))![0]).toEqual(
      BLK_2020_01_02,
    );
  });

  it('moves the S&P 500 trackers with SPY', async () => {
    const provider = simulator();
    const closes = async (symbol: string) =>
      (await provider.history(symbol, ALL_TIME))!.map((bar) => bar.close);
    const spy = await closes('SPY');
    for (const symbol of ['^GSPC', 'IVV', 'VOO']) {
      const tracker = await closes(symbol);
      const start = tracker[0] / spy[0];
      const end = tracker[tracker.length - 1] / spy[spy.length - 1];
      expect({ symbol, drift: Math.abs(Math.log(end / start)) < 0.15 }).toEqual({
        symbol,
        drift: true,
      });
    }
  });

  it('searches ~600 listings by name and symbol, best match first', async () => {
    const search = async (query: string, limit = 10) =>
      (await simulator().search(query, limit)).map((profile) => profile.symbol);
    expect((await search('BlackRock'))[0]).toBe('BLK');
    expect(await search('nifty')).toEqual(expect.arrayContaining(['^NSEI', 'NIFTYBEES']));
    expect((await search('NIFTY 50'))[0]).toBe('^NSEI');
    expect((await search('gspc'))[0]).toBe('^GSPC');
    expect((await search('s&p 500'))[0]).toBe('^GSPC');
    expect((await search('micro', 5))[0]).toBe('MSFT');
    expect((await search('wells fargo'))[0]).toBe('WFC');
    expect((await search('mahindra & mahindra'))[0]).toBe('M&M');
    expect(await search('bank of america')).toEqual(['BAC']);
    expect(await search('gold', 5)).toEqual(expect.arrayContaining(['GLD', 'IAU', 'GOLDBEES']));
    expect(await search('zzzz-nothing')).toEqual([]);
  });
});

// BLK's bar of 2 January 2020, as the simulator first drew it.
const BLK_2020_01_02 = {
  date: '2020-01-02',
  open: 23.5325,
  high: 23.5588,
  low: 23.3046,
  close: 23.4883,
  adjClose: 20.216714,
  volume: 16175584,
};
