import { F, type ListingFacts } from './facts';

/** What a fund holds, or an index measures: the simulator draws its numbers by it. */
export type AssetClass =
  | 'us-large-cap'
  | 'us-equity'
  | 'us-sector'
  | 'intl-equity'
  | 'india-equity'
  | 'bond-short'
  | 'bond'
  | 'bond-long'
  | 'bond-high-yield'
  | 'commodity';

/** An exchange traded fund or an index. */
export interface FundFacts extends ListingFacts {
  kind: 'ETF' | 'INDEX';
  assetClass: AssetClass;
  /**
   * Its approximate price (an index: level) at the start of 2019, where the synthetic
   * walk starts, so that a level looks like the index's; what follows is synthetic.
   */
  startLevel: number;
}

type Row = [
  symbol: string,
  name: string,
  exchange: string,
  country: string,
  currency: string,
  assetClass: AssetClass,
  startLevel: number,
  website: string,
];

const SSGA = 'https://www.ssga.com';
const SECTOR_SPDRS = 'https://www.sectorspdrs.com';
const ISHARES = 'https://www.ishares.com';
const VANGUARD = 'https://investor.vanguard.com';
const NIPPON = 'https://mf.nipponindiaim.com';

// Where the facts come from: the funds' issuers (State Street SPDR, iShares, Vanguard,
// Invesco, Nippon India Mutual Fund) for names, listing exchanges and what each fund
// tracks, as of 2025, written from that knowledge; the 2019 levels are rounded closes of
// early January 2019. Every number the simulator serves for them is synthetic.
// prettier-ignore
const ETFS: Row[] = [
  // Broad market.
  ['SPY', 'SPDR S&P 500 ETF Trust', 'NYSE ARCA', 'US', 'USD', 'us-large-cap', 250, SSGA],
  ['IVV', 'iShares Core S&P 500 ETF', 'NYSE ARCA', 'US', 'USD', 'us-large-cap', 250, ISHARES],
  ['VOO', 'Vanguard S&P 500 ETF', 'NYSE ARCA', 'US', 'USD', 'us-large-cap', 230, VANGUARD],
  ['VTI', 'Vanguard Total Stock Market ETF', 'NYSE ARCA', 'US', 'USD', 'us-equity', 125, VANGUARD],
  ['QQQ', 'Invesco QQQ Trust, Series 1', 'NASDAQ', 'US', 'USD', 'us-equity', 155, 'https://www.invesco.com'],
  ['DIA', 'SPDR Dow Jones Industrial Average ETF Trust', 'NYSE ARCA', 'US', 'USD', 'us-equity', 235, SSGA],
  ['IWM', 'iShares Russell 2000 ETF', 'NYSE ARCA', 'US', 'USD', 'us-equity', 135, ISHARES],
  ['VEA', 'Vanguard FTSE Developed Markets ETF', 'NYSE ARCA', 'US', 'USD', 'intl-equity', 38, VANGUARD],
  ['VWO', 'Vanguard FTSE Emerging Markets ETF', 'NYSE ARCA', 'US', 'USD', 'intl-equity', 38, VANGUARD],
  ['EFA', 'iShares MSCI EAFE ETF', 'NYSE ARCA', 'US', 'USD', 'intl-equity', 59, ISHARES],
  ['EEM', 'iShares MSCI Emerging Markets ETF', 'NYSE ARCA', 'US', 'USD', 'intl-equity', 39, ISHARES],
  ['ACWI', 'iShares MSCI ACWI ETF', 'NASDAQ', 'US', 'USD', 'intl-equity', 66, ISHARES],
  // The Select Sector SPDRs: one S&P 500 sector each.
  ['XLK', 'Technology Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 62, SECTOR_SPDRS],
  ['XLF', 'Financial Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 24, SECTOR_SPDRS],
  ['XLV', 'Health Care Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 87, SECTOR_SPDRS],
  ['XLE', 'Energy Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 58, SECTOR_SPDRS],
  ['XLI', 'Industrial Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 65, SECTOR_SPDRS],
  ['XLY', 'Consumer Discretionary Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 100, SECTOR_SPDRS],
  ['XLP', 'Consumer Staples Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 51, SECTOR_SPDRS],
  ['XLU', 'Utilities Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 53, SECTOR_SPDRS],
  ['XLB', 'Materials Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 51, SECTOR_SPDRS],
  ['XLRE', 'Real Estate Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 31, SECTOR_SPDRS],
  ['XLC', 'Communication Services Select Sector SPDR Fund', 'NYSE ARCA', 'US', 'USD', 'us-sector', 44, SECTOR_SPDRS],
  // Bonds.
  ['AGG', 'iShares Core U.S. Aggregate Bond ETF', 'NYSE ARCA', 'US', 'USD', 'bond', 106, ISHARES],
  ['BND', 'Vanguard Total Bond Market ETF', 'NASDAQ', 'US', 'USD', 'bond', 79, VANGUARD],
  ['TLT', 'iShares 20+ Year Treasury Bond ETF', 'NASDAQ', 'US', 'USD', 'bond-long', 122, ISHARES],
  ['IEF', 'iShares 7-10 Year Treasury Bond ETF', 'NASDAQ', 'US', 'USD', 'bond', 104, ISHARES],
  ['SHY', 'iShares 1-3 Year Treasury Bond ETF', 'NASDAQ', 'US', 'USD', 'bond-short', 84, ISHARES],
  ['LQD', 'iShares iBoxx $ Investment Grade Corporate Bond ETF', 'NYSE ARCA', 'US', 'USD', 'bond', 113, ISHARES],
  ['HYG', 'iShares iBoxx $ High Yield Corporate Bond ETF', 'NYSE ARCA', 'US', 'USD', 'bond-high-yield', 83, ISHARES],
  ['TIP', 'iShares TIPS Bond ETF', 'NYSE ARCA', 'US', 'USD', 'bond', 109, ISHARES],
  // Gold and silver.
  ['GLD', 'SPDR Gold Shares', 'NYSE ARCA', 'US', 'USD', 'commodity', 121, 'https://www.spdrgoldshares.com'],
  ['IAU', 'iShares Gold Trust', 'NYSE ARCA', 'US', 'USD', 'commodity', 12, ISHARES],
  ['SLV', 'iShares Silver Trust', 'NYSE ARCA', 'US', 'USD', 'commodity', 14, ISHARES],
  // Indian ETFs on the NSE.
  ['NIFTYBEES', 'Nippon India ETF Nifty 50 BeES', 'NSE', 'IN', 'INR', 'india-equity', 120, NIPPON],
  ['BANKBEES', 'Nippon India ETF Nifty Bank BeES', 'NSE', 'IN', 'INR', 'india-equity', 275, NIPPON],
  ['JUNIORBEES', 'Nippon India ETF Nifty Next 50 Junior BeES', 'NSE', 'IN', 'INR', 'india-equity', 295, NIPPON],
  ['GOLDBEES', 'Nippon India ETF Gold BeES', 'NSE', 'IN', 'INR', 'commodity', 32, NIPPON],
];

const SPDJI = 'https://www.spglobal.com/spdji';
const NIFTY_INDICES = 'https://www.niftyindices.com';

// Indices under the caret symbols FMP (and Yahoo) use, on exchange INDEX. Where the
// facts come from: the index providers (S&P Dow Jones Indices, Nasdaq, FTSE Russell, NSE
// Indices, BSE); levels are rounded closes of early January 2019.
// prettier-ignore
const INDICES: Row[] = [
  ['^GSPC', 'S&P 500', 'INDEX', 'US', 'USD', 'us-large-cap', 2510, SPDJI],
  ['^DJI', 'Dow Jones Industrial Average', 'INDEX', 'US', 'USD', 'us-equity', 23350, SPDJI],
  ['^IXIC', 'NASDAQ Composite', 'INDEX', 'US', 'USD', 'us-equity', 6665, 'https://www.nasdaq.com'],
  ['^NDX', 'NASDAQ 100', 'INDEX', 'US', 'USD', 'us-equity', 6360, 'https://www.nasdaq.com'],
  ['^RUT', 'Russell 2000', 'INDEX', 'US', 'USD', 'us-equity', 1350, 'https://www.lseg.com/en/ftse-russell'],
  ['^NSEI', 'NIFTY 50', 'INDEX', 'IN', 'INR', 'india-equity', 10900, NIFTY_INDICES],
  ['^NSEBANK', 'NIFTY BANK', 'INDEX', 'IN', 'INR', 'india-equity', 27400, NIFTY_INDICES],
  ['^NSMIDCP', 'NIFTY NEXT 50', 'INDEX', 'IN', 'INR', 'india-equity', 27500, NIFTY_INDICES],
  ['^BSESN', 'BSE SENSEX', 'INDEX', 'IN', 'INR', 'india-equity', 36250, 'https://www.bseindia.com'],
];

function fundOf(kind: FundFacts['kind']) {
  return ([
    symbol,
    name,
    exchange,
    country,
    currency,
    assetClass,
    startLevel,
    website,
  ]: Row): FundFacts => ({
    symbol,
    name,
    exchange,
    sector: F,
    industry: kind === 'ETF' ? 'Exchange Traded Fund' : 'Index',
    country,
    currency,
    website,
    kind,
    assetClass,
    startLevel,
  });
}

/** The main ETFs: broad market, the eleven sector SPDRs, bonds, gold and silver, Indian. */
export const ETF_LISTINGS: readonly FundFacts[] = ETFS.map(fundOf('ETF'));

/** The indices those funds track, and the main US and Indian benchmarks. */
export const INDEX_LISTINGS: readonly FundFacts[] = INDICES.map(fundOf('INDEX'));
