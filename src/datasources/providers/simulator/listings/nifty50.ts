import { C, CD, CS, E, F, H, I, M, T, U, factsOf, type FactsRow, type ListingFacts } from './facts';

// Where the facts come from: the NIFTY 50 constituents as published by NSE Indices, as of
// December 2025 (after the September 2025 reconstitution: InterGlobe Aviation and Max
// Healthcare in, Hero MotoCorp and IndusInd Bank out; Tata Motors' passenger-vehicle
// company trading as TMPV since the October 2025 demerger), written from that knowledge.
// NSE trading symbols as Zerodha exports write them (M&M, BAJAJ-AUTO); sectors in the
// simulator's vocabulary, industries in the Yahoo / FMP style. All listed on the NSE and
// traded in INR. Every number the simulator serves for them is synthetic.
// prettier-ignore
const ROWS: FactsRow[] = [
  ['ADANIENT', 'Adani Enterprises Limited', 'NSE', E, 'Thermal Coal', 'IN', 'https://www.adanienterprises.com'],
  ['ADANIPORTS', 'Adani Ports and Special Economic Zone Limited', 'NSE', I, 'Marine Shipping', 'IN', 'https://www.adaniports.com'],
  ['APOLLOHOSP', 'Apollo Hospitals Enterprise Limited', 'NSE', H, 'Medical Care Facilities', 'IN', 'https://www.apollohospitals.com'],
  ['ASIANPAINT', 'Asian Paints Limited', 'NSE', M, 'Specialty Chemicals', 'IN', 'https://www.asianpaints.com'],
  ['AXISBANK', 'Axis Bank Limited', 'NSE', F, 'Banks—Regional', 'IN', 'https://www.axisbank.com'],
  ['BAJAJ-AUTO', 'Bajaj Auto Limited', 'NSE', CD, 'Auto Manufacturers', 'IN', 'https://www.bajajauto.com'],
  ['BAJAJFINSV', 'Bajaj Finserv Ltd.', 'NSE', F, 'Insurance—Diversified', 'IN', ''],
  ['BAJFINANCE', 'Bajaj Finance Limited', 'NSE', F, 'Credit Services', 'IN', 'https://www.bajajfinserv.in'],
  ['BEL', 'Bharat Electronics Limited', 'NSE', I, 'Aerospace & Defense', 'IN', 'https://bel-india.in'],
  ['BHARTIARTL', 'Bharti Airtel Limited', 'NSE', C, 'Telecom Services', 'IN', 'https://www.airtel.in'],
  ['CIPLA', 'Cipla Limited', 'NSE', H, 'Drug Manufacturers—Specialty & Generic', 'IN', 'https://www.cipla.com'],
  ['COALINDIA', 'Coal India Limited', 'NSE', E, 'Thermal Coal', 'IN', 'https://www.coalindia.in'],
  ['DRREDDY', "Dr. Reddy's Laboratories Limited", 'NSE', H, 'Drug Manufacturers—Specialty & Generic', 'IN', 'https://www.drreddys.com'],
  ['EICHERMOT', 'Eicher Motors Limited', 'NSE', CD, 'Auto Manufacturers', 'IN', 'https://www.eicher.in'],
  ['ETERNAL', 'Eternal Limited', 'NSE', CD, 'Internet Retail', 'IN', 'https://www.eternal.com'],
  ['GRASIM', 'Grasim Industries Limited', 'NSE', M, 'Building Materials', 'IN', 'https://www.grasim.com'],
  ['HCLTECH', 'HCL Technologies Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.hcltech.com'],
  ['HDFCBANK', 'HDFC Bank Limited', 'NSE', F, 'Banks—Regional', 'IN', 'https://www.hdfcbank.com'],
  ['HDFCLIFE', 'HDFC Life Insurance Company Limited', 'NSE', F, 'Insurance—Life', 'IN', 'https://www.hdfclife.com'],
  ['HINDALCO', 'Hindalco Industries Limited', 'NSE', M, 'Aluminum', 'IN', 'https://www.hindalco.com'],
  ['HINDUNILVR', 'Hindustan Unilever Limited', 'NSE', CS, 'Household & Personal Products', 'IN', 'https://www.hul.co.in'],
  ['ICICIBANK', 'ICICI Bank Limited', 'NSE', F, 'Banks—Regional', 'IN', 'https://www.icicibank.com'],
  ['INDIGO', 'InterGlobe Aviation Limited', 'NSE', I, 'Airlines', 'IN', 'https://www.goindigo.in'],
  ['INFY', 'Infosys Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.infosys.com'],
  ['ITC', 'ITC Limited', 'NSE', CS, 'Tobacco', 'IN', 'https://www.itcportal.com'],
  ['JIOFIN', 'Jio Financial Services Limited', 'NSE', F, 'Credit Services', 'IN', ''],
  ['JSWSTEEL', 'JSW Steel Limited', 'NSE', M, 'Steel', 'IN', ''],
  ['KOTAKBANK', 'Kotak Mahindra Bank Limited', 'NSE', F, 'Banks—Regional', 'IN', 'https://www.kotak.com'],
  ['LT', 'Larsen & Toubro Limited', 'NSE', I, 'Engineering & Construction', 'IN', 'https://www.larsentoubro.com'],
  ['M&M', 'Mahindra & Mahindra Limited', 'NSE', CD, 'Auto Manufacturers', 'IN', 'https://www.mahindra.com'],
  ['MARUTI', 'Maruti Suzuki India Limited', 'NSE', CD, 'Auto Manufacturers', 'IN', 'https://www.marutisuzuki.com'],
  ['MAXHEALTH', 'Max Healthcare Institute Limited', 'NSE', H, 'Medical Care Facilities', 'IN', 'https://www.maxhealthcare.in'],
  ['NESTLEIND', 'Nestlé India Limited', 'NSE', CS, 'Packaged Foods', 'IN', 'https://www.nestle.in'],
  ['NTPC', 'NTPC Limited', 'NSE', U, 'Utilities—Independent Power Producers', 'IN', 'https://www.ntpc.co.in'],
  ['ONGC', 'Oil and Natural Gas Corporation Limited', 'NSE', E, 'Oil & Gas Integrated', 'IN', 'https://www.ongcindia.com'],
  ['POWERGRID', 'Power Grid Corporation of India Limited', 'NSE', U, 'Utilities—Regulated Electric', 'IN', 'https://www.powergrid.in'],
  ['RELIANCE', 'Reliance Industries Limited', 'NSE', E, 'Oil & Gas Refining & Marketing', 'IN', 'https://www.ril.com'],
  ['SBILIFE', 'SBI Life Insurance Company Limited', 'NSE', F, 'Insurance—Life', 'IN', 'https://www.sbilife.co.in'],
  ['SBIN', 'State Bank of India', 'NSE', F, 'Banks—Regional', 'IN', 'https://sbi.co.in'],
  ['SHRIRAMFIN', 'Shriram Finance Limited', 'NSE', F, 'Credit Services', 'IN', 'https://www.shriramfinance.in'],
  ['SUNPHARMA', 'Sun Pharmaceutical Industries Limited', 'NSE', H, 'Drug Manufacturers—Specialty & Generic', 'IN', 'https://sunpharma.com'],
  ['TATACONSUM', 'Tata Consumer Products Limited', 'NSE', CS, 'Packaged Foods', 'IN', 'https://www.tataconsumer.com'],
  ['TATASTEEL', 'Tata Steel Limited', 'NSE', M, 'Steel', 'IN', 'https://www.tatasteel.com'],
  ['TCS', 'Tata Consultancy Services Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.tcs.com'],
  ['TECHM', 'Tech Mahindra Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.techmahindra.com'],
  ['TITAN', 'Titan Company Limited', 'NSE', CD, 'Luxury Goods', 'IN', 'https://www.titancompany.in'],
  ['TMPV', 'Tata Motors Passenger Vehicles Limited', 'NSE', CD, 'Auto Manufacturers', 'IN', ''],
  ['TRENT', 'Trent Limited', 'NSE', CD, 'Apparel Retail', 'IN', ''],
  ['ULTRACEMCO', 'UltraTech Cement Limited', 'NSE', M, 'Building Materials', 'IN', 'https://www.ultratechcement.com'],
  ['WIPRO', 'Wipro Limited', 'NSE', T, 'Information Technology Services', 'IN', 'https://www.wipro.com'],
];

/** The NIFTY 50 constituents (NSE, INR). */
export const NIFTY50: readonly ListingFacts[] = ROWS.map((row) => factsOf(row, 'INR'));
