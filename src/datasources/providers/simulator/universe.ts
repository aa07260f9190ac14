import type { Split } from '../../../domain/market';
import { C, CD, CS, E, F, H, I, M, R, T, U, type ListingFacts } from './listings/facts';
import { ETF_LISTINGS, INDEX_LISTINGS } from './listings/funds';
import { NIFTY50 } from './listings/nifty50';
import { SP500 } from './listings/sp500';
import { simulatedCompany, simulatedFund } from './listings/synthetic';

/** One listing of the simulated market (a company, a fund, an index): real identity, synthetic numbers. */
export interface SimulatedListing extends ListingFacts {
  /** 0 for a fund or an index. */
  employees: number;
  /** Price on the first simulated day, before any split. */
  startPrice: number;
  /** Shares outstanding today, in millions; 0 for an index (no market cap, no volume). */
  sharesMillions: number;
  /** Annual dividend yield paid quarterly; 0 for non-payers. */
  dividendYield: number;
  /** Revenue of the latest fiscal year, in millions; 0 for a fund or an index (no statements). */
  revenueMillions: number;
  /** Net margin the statements are built around. */
  netMargin: number;
  /** Annualised volatility of the random walk. */
  volatility: number;
  /** Beta to the simulated market; when absent, drawn from the symbol (0.6 to 1.6). */
  beta?: number;
  /** Annual drift of the walk (total return); when absent, drawn from the symbol (2% to 16%). */
  drift?: number;
  /** Moves with the simulated market (the S&P 500 and its funds): beta 1, SPY's price path. */
  tracksMarket?: boolean;
  splits?: Split[];
}

type Row = [
  symbol: string,
  name: string,
  exchange: string,
  sector: string,
  industry: string,
  country: string,
  website: string,
  employees: number,
  startPrice: number,
  sharesMillions: number,
  dividendYield: number,
  revenueMillions: number,
  netMargin: number,
  volatility: number,
];

// The hand-tuned rows: the first universe, whose numbers were set one by one (tests and
// users' histories depend on them: do not change them). Identities are real; every
// number is synthetic and says nothing about the company.
// prettier-ignore
const ROWS: Row[] = [
  ['AAPL', 'Apple Inc.', 'NASDAQ', T, 'Consumer Electronics', 'US', 'https://www.apple.com', 161000, 150, 15200, 0.005, 390000, 0.25, 0.28],
  ['MSFT', 'Microsoft Corporation', 'NASDAQ', T, 'Software—Infrastructure', 'US', 'https://www.microsoft.com', 228000, 100, 7430, 0.008, 245000, 0.35, 0.26],
  ['GOOGL', 'Alphabet Inc.', 'NASDAQ', C, 'Internet Content & Information', 'US', 'https://abc.xyz', 182000, 1100, 12300, 0, 350000, 0.26, 0.3],
  ['AMZN', 'Amazon.com, Inc.', 'NASDAQ', CD, 'Internet Retail', 'US', 'https://www.amazon.com', 1550000, 1600, 10500, 0, 620000, 0.08, 0.32],
  ['META', 'Meta Platforms, Inc.', 'NASDAQ', C, 'Internet Content & Information', 'US', 'https://about.meta.com', 72000, 180, 2530, 0.004, 160000, 0.35, 0.4],
  ['NVDA', 'NVIDIA Corporation', 'NASDAQ', T, 'Semiconductors', 'US', 'https://www.nvidia.com', 36000, 140, 24400, 0.0003, 130000, 0.5, 0.5],
  ['TSLA', 'Tesla, Inc.', 'NASDAQ', CD, 'Auto Manufacturers', 'US', 'https://www.tesla.com', 125000, 320, 3200, 0, 97000, 0.08, 0.6],
  ['BRK.B', 'Berkshire Hathaway Inc.', 'NYSE', F, 'Insurance—Diversified', 'US', 'https://www.berkshirehathaway.com', 392000, 200, 2150, 0, 370000, 0.2, 0.18],
  ['JPM', 'JPMorgan Chase & Co.', 'NYSE', F, 'Banks—Diversified', 'US', 'https://www.jpmorganchase.com', 317000, 100, 2850, 0.024, 270000, 0.3, 0.24],
  ['V', 'Visa Inc.', 'NYSE', F, 'Credit Services', 'US', 'https://www.visa.com', 31000, 130, 2000, 0.007, 36000, 0.54, 0.22],
  ['MA', 'Mastercard Incorporated', 'NYSE', F, 'Credit Services', 'US', 'https://www.mastercard.com', 33000, 180, 920, 0.006, 28000, 0.46, 0.23],
  ['JNJ', 'Johnson & Johnson', 'NYSE', H, 'Drug Manufacturers—General', 'US', 'https://www.jnj.com', 131000, 130, 2410, 0.03, 88000, 0.2, 0.16],
  ['UNH', 'UnitedHealth Group Incorporated', 'NYSE', H, 'Healthcare Plans', 'US', 'https://www.unitedhealthgroup.com', 400000, 250, 920, 0.015, 400000, 0.06, 0.22],
  ['LLY', 'Eli Lilly and Company', 'NYSE', H, 'Drug Manufacturers—General', 'US', 'https://www.lilly.com', 43000, 110, 950, 0.008, 45000, 0.23, 0.3],
  ['PFE', 'Pfizer Inc.', 'NYSE', H, 'Drug Manufacturers—General', 'US', 'https://www.pfizer.com', 81000, 38, 5660, 0.055, 60000, 0.14, 0.22],
  ['MRK', 'Merck & Co., Inc.', 'NYSE', H, 'Drug Manufacturers—General', 'US', 'https://www.merck.com', 72000, 75, 2530, 0.03, 64000, 0.24, 0.18],
  ['ABBV', 'AbbVie Inc.', 'NYSE', H, 'Drug Manufacturers—General', 'US', 'https://www.abbvie.com', 50000, 90, 1770, 0.038, 56000, 0.12, 0.2],
  ['PG', 'The Procter & Gamble Company', 'NYSE', CS, 'Household & Personal Products', 'US', 'https://us.pg.com', 107000, 90, 2350, 0.025, 84000, 0.18, 0.15],
  ['KO', 'The Coca-Cola Company', 'NYSE', CS, 'Beverages—Non-Alcoholic', 'US', 'https://www.coca-colacompany.com', 69700, 46, 4310, 0.031, 46000, 0.23, 0.15],
  ['PEP', 'PepsiCo, Inc.', 'NASDAQ', CS, 'Beverages—Non-Alcoholic', 'US', 'https://www.pepsico.com', 318000, 110, 1370, 0.029, 91000, 0.1, 0.15],
  ['WMT', 'Walmart Inc.', 'NYSE', CS, 'Discount Stores', 'US', 'https://www.walmart.com', 2100000, 32, 8040, 0.013, 650000, 0.025, 0.17],
  ['COST', 'Costco Wholesale Corporation', 'NASDAQ', CS, 'Discount Stores', 'US', 'https://www.costco.com', 316000, 210, 443, 0.006, 250000, 0.028, 0.19],
  ['HD', 'The Home Depot, Inc.', 'NYSE', CD, 'Home Improvement Retail', 'US', 'https://www.homedepot.com', 470000, 180, 990, 0.024, 155000, 0.1, 0.21],
  ['MCD', "McDonald's Corporation", 'NYSE', CD, 'Restaurants', 'US', 'https://www.mcdonalds.com', 150000, 170, 720, 0.023, 25000, 0.33, 0.16],
  ['NKE', 'NIKE, Inc.', 'NYSE', CD, 'Footwear & Accessories', 'US', 'https://www.nike.com', 79000, 55, 1500, 0.016, 51000, 0.1, 0.27],
  ['SBUX', 'Starbucks Corporation', 'NASDAQ', CD, 'Restaurants', 'US', 'https://www.starbucks.com', 381000, 55, 1130, 0.024, 36000, 0.11, 0.25],
  ['DIS', 'The Walt Disney Company', 'NYSE', C, 'Entertainment', 'US', 'https://thewaltdisneycompany.com', 225000, 110, 1830, 0.008, 91000, 0.05, 0.27],
  ['NFLX', 'Netflix, Inc.', 'NASDAQ', C, 'Entertainment', 'US', 'https://www.netflix.com', 13000, 200, 430, 0, 39000, 0.22, 0.42],
  ['CMCSA', 'Comcast Corporation', 'NASDAQ', C, 'Telecom Services', 'US', 'https://corporate.comcast.com', 186000, 34, 3830, 0.03, 123000, 0.12, 0.22],
  ['VZ', 'Verizon Communications Inc.', 'NYSE', C, 'Telecom Services', 'US', 'https://www.verizon.com', 100000, 55, 4210, 0.062, 134000, 0.09, 0.17],
  ['T', 'AT&T Inc.', 'NYSE', C, 'Telecom Services', 'US', 'https://www.att.com', 140000, 30, 7170, 0.06, 122000, 0.09, 0.2],
  ['XOM', 'Exxon Mobil Corporation', 'NYSE', E, 'Oil & Gas Integrated', 'US', 'https://corporate.exxonmobil.com', 62000, 80, 4300, 0.034, 340000, 0.1, 0.28],
  ['CVX', 'Chevron Corporation', 'NYSE', E, 'Oil & Gas Integrated', 'US', 'https://www.chevron.com', 45000, 120, 1800, 0.04, 200000, 0.1, 0.28],
  ['INTC', 'Intel Corporation', 'NASDAQ', T, 'Semiconductors', 'US', 'https://www.intel.com', 108000, 47, 4360, 0.015, 54000, 0.05, 0.33],
  ['AMD', 'Advanced Micro Devices, Inc.', 'NASDAQ', T, 'Semiconductors', 'US', 'https://www.amd.com', 26000, 18, 1620, 0, 25000, 0.07, 0.5],
  ['CSCO', 'Cisco Systems, Inc.', 'NASDAQ', T, 'Communication Equipment', 'US', 'https://www.cisco.com', 90000, 44, 4000, 0.03, 54000, 0.2, 0.2],
  ['ORCL', 'Oracle Corporation', 'NYSE', T, 'Software—Infrastructure', 'US', 'https://www.oracle.com', 159000, 52, 2800, 0.013, 53000, 0.19, 0.27],
  ['CRM', 'Salesforce, Inc.', 'NYSE', T, 'Software—Application', 'US', 'https://www.salesforce.com', 72000, 130, 960, 0.006, 35000, 0.16, 0.33],
  ['ADBE', 'Adobe Inc.', 'NASDAQ', T, 'Software—Infrastructure', 'US', 'https://www.adobe.com', 30000, 240, 440, 0, 21000, 0.26, 0.3],
  ['IBM', 'International Business Machines Corporation', 'NYSE', T, 'Information Technology Services', 'US', 'https://www.ibm.com', 282000, 140, 920, 0.045, 62000, 0.1, 0.2],
  ['QCOM', 'QUALCOMM Incorporated', 'NASDAQ', T, 'Semiconductors', 'US', 'https://www.qualcomm.com', 50000, 58, 1110, 0.02, 39000, 0.26, 0.33],
  ['TXN', 'Texas Instruments Incorporated', 'NASDAQ', T, 'Semiconductors', 'US', 'https://www.ti.com', 34000, 110, 910, 0.029, 16000, 0.3, 0.24],
  ['BA', 'The Boeing Company', 'NYSE', I, 'Aerospace & Defense', 'US', 'https://www.boeing.com', 172000, 330, 760, 0, 78000, -0.03, 0.4],
  ['CAT', 'Caterpillar Inc.', 'NYSE', I, 'Farm & Heavy Construction Machinery', 'US', 'https://www.caterpillar.com', 113000, 140, 490, 0.017, 67000, 0.16, 0.26],
  ['GE', 'GE Aerospace', 'NYSE', I, 'Aerospace & Defense', 'US', 'https://www.geaerospace.com', 52000, 90, 1090, 0.006, 38000, 0.17, 0.33],
  ['HON', 'Honeywell International Inc.', 'NASDAQ', I, 'Conglomerates', 'US', 'https://www.honeywell.com', 95000, 140, 650, 0.021, 38000, 0.15, 0.2],
  ['UPS', 'United Parcel Service, Inc.', 'NYSE', I, 'Integrated Freight & Logistics', 'US', 'https://www.ups.com', 500000, 110, 850, 0.045, 91000, 0.07, 0.24],
  ['GS', 'The Goldman Sachs Group, Inc.', 'NYSE', F, 'Capital Markets', 'US', 'https://www.goldmansachs.com', 46000, 230, 320, 0.022, 53000, 0.2, 0.27],
  ['BAC', 'Bank of America Corporation', 'NYSE', F, 'Banks—Diversified', 'US', 'https://www.bankofamerica.com', 213000, 30, 7800, 0.024, 100000, 0.26, 0.27],
  ['LIN', 'Linde plc', 'NASDAQ', M, 'Specialty Chemicals', 'IE', 'https://www.linde.com', 66000, 160, 480, 0.012, 33000, 0.19, 0.19],
  ['NEE', 'NextEra Energy, Inc.', 'NYSE', U, 'Utilities—Regulated Electric', 'US', 'https://www.nexteraenergy.com', 16800, 45, 2050, 0.028, 25000, 0.26, 0.2],
  ['AMT', 'American Tower Corporation', 'NYSE', R, 'REIT—Specialty', 'US', 'https://www.americantower.com', 4700, 170, 467, 0.031, 11000, 0.2, 0.24],
  ['ASML', 'ASML Holding N.V.', 'NASDAQ', T, 'Semiconductor Equipment & Materials', 'NL', 'https://www.asml.com', 42000, 180, 393, 0.009, 30000, 0.27, 0.34],
  ['TSM', 'Taiwan Semiconductor Manufacturing Company Limited', 'NYSE', T, 'Semiconductors', 'TW', 'https://www.tsmc.com', 76000, 38, 5190, 0.016, 90000, 0.4, 0.32],
  ['SAP', 'SAP SE', 'NYSE', T, 'Software—Application', 'DE', 'https://www.sap.com', 108000, 110, 1170, 0.011, 36000, 0.2, 0.26],
  ['TM', 'Toyota Motor Corporation', 'NYSE', CD, 'Auto Manufacturers', 'JP', 'https://global.toyota', 380000, 140, 1350, 0.025, 300000, 0.1, 0.22],
  ['SONY', 'Sony Group Corporation', 'NYSE', T, 'Consumer Electronics', 'JP', 'https://www.sony.com', 113000, 50, 6100, 0.005, 90000, 0.07, 0.27],
  ['NVO', 'Novo Nordisk A/S', 'NYSE', H, 'Biotechnology', 'DK', 'https://www.novonordisk.com', 64000, 25, 4490, 0.013, 40000, 0.35, 0.27],
  ['SHEL', 'Shell plc', 'NYSE', E, 'Oil & Gas Integrated', 'GB', 'https://www.shell.com', 103000, 58, 6400, 0.04, 320000, 0.06, 0.26],
  ['UL', 'Unilever PLC', 'NYSE', CS, 'Household & Personal Products', 'GB', 'https://www.unilever.com', 128000, 55, 2500, 0.035, 65000, 0.11, 0.16],
  ['BABA', 'Alibaba Group Holding Limited', 'NYSE', CD, 'Internet Retail', 'CN', 'https://www.alibabagroup.com', 204000, 180, 2500, 0.01, 130000, 0.1, 0.42],
  ['BHP', 'BHP Group Limited', 'NYSE', M, 'Other Industrial Metals & Mining', 'AU', 'https://www.bhp.com', 49000, 55, 2530, 0.055, 56000, 0.23, 0.27],
  ['RY', 'Royal Bank of Canada', 'NYSE', F, 'Banks—Diversified', 'CA', 'https://www.rbc.com', 97000, 80, 1410, 0.04, 45000, 0.3, 0.18],
  ['SHOP', 'Shopify Inc.', 'NYSE', T, 'Software—Application', 'CA', 'https://www.shopify.com', 8300, 30, 1290, 0, 8900, 0.1, 0.55],
  // NSE listings (prices in INR), so that Zerodha exports import against the simulator.
  ['INFY', 'Infosys Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.infosys.com', 317000, 700, 4150, 0.025, 18500, 0.17, 0.24],
  ['TCS', 'Tata Consultancy Services Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.tcs.com', 601000, 1900, 3620, 0.03, 29000, 0.19, 0.2],
  ['RELIANCE', 'Reliance Industries Limited', 'NSE', E, 'Oil & Gas Refining & Marketing', 'IN', 'https://www.ril.com', 347000, 1100, 13530, 0.004, 108000, 0.08, 0.25],
  ['HDFCBANK', 'HDFC Bank Limited', 'NSE', F, 'Banks—Regional', 'IN', 'https://www.hdfcbank.com', 213000, 1050, 7600, 0.011, 40000, 0.22, 0.22],
];

// Real split dates; the simulated price drops by the ratio on that day.
const SPLITS: Record<string, Split[]> = {
  AAPL: [{ date: '2020-08-31', ratio: 4 }],
  NVDA: [
    { date: '2021-07-20', ratio: 4 },
    { date: '2024-06-10', ratio: 10 },
  ],
  TSLA: [
    { date: '2020-08-31', ratio: 5 },
    { date: '2022-08-25', ratio: 3 },
  ],
  GOOGL: [{ date: '2022-07-18', ratio: 20 }],
  AMZN: [{ date: '2022-06-06', ratio: 20 }],
  SHOP: [{ date: '2022-06-29', ratio: 10 }],
  // Listings without a hand-tuned row.
  GOOG: [{ date: '2022-07-18', ratio: 20 }],
  AVGO: [{ date: '2024-07-15', ratio: 10 }],
  CMG: [{ date: '2024-06-26', ratio: 50 }],
};

// prettier-ignore
function fromRow([symbol, name, exchange, sector, industry, country, website, employees, startPrice, sharesMillions, dividendYield, revenueMillions, netMargin, volatility]: Row): SimulatedListing {
  // The currency the provider derived from the exchange before it was a field.
  const currency = exchange === 'NSE' ? 'INR' : 'USD';
  return { symbol, name, exchange, sector, industry, country, currency, website, employees, startPrice, sharesMillions, dividendYield, revenueMillions, netMargin, volatility, splits: SPLITS[symbol] };
}

/** The benchmark: an index fund, no statements, quarterly distributions. */
export const BENCHMARK: SimulatedListing = {
  symbol: 'SPY',
  name: 'SPDR S&P 500 ETF Trust',
  exchange: 'NYSE ARCA',
  sector: 'Financial Services',
  industry: 'Exchange Traded Fund',
  country: 'US',
  currency: 'USD',
  website: 'https://www.ssga.com',
  employees: 0,
  startPrice: 270,
  sharesMillions: 920,
  dividendYield: 0.014,
  revenueMillions: 0,
  netMargin: 0,
  volatility: 0.17,
};

const HAND_TUNED = [...ROWS.map(fromRow), BENCHMARK];

/**
 * The hand-tuned listings and SPY, in table order: the universe before it held every
 * S&P 500 and NIFTY 50 company. A sample of well-known symbols that fits one request (at
 * most 100 symbols), whose numbers never change.
 */
export const CORE_SYMBOLS: readonly string[] = HAND_TUNED.map((listing) => listing.symbol);

function buildUniverse(): Map<string, SimulatedListing> {
  const universe = new Map(HAND_TUNED.map((listing) => [listing.symbol, listing]));
  const market = BENCHMARK.volatility;
  // A hand-tuned row wins over a data module's entry for the same symbol.
  for (const facts of [...SP500, ...NIFTY50]) {
    if (universe.has(facts.symbol)) continue;
    universe.set(facts.symbol, simulatedCompany(facts, market, SPLITS[facts.symbol]));
  }
  for (const facts of [...ETF_LISTINGS, ...INDEX_LISTINGS]) {
    if (!universe.has(facts.symbol)) universe.set(facts.symbol, simulatedFund(facts, market));
  }
  return universe;
}

/**
 * Every simulated listing by symbol: the hand-tuned rows and SPY first (in table order),
 * then the S&P 500, the NIFTY 50, the ETFs and the indices.
 */
export const UNIVERSE: ReadonlyMap<string, SimulatedListing> = buildUniverse();
