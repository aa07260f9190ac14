import { parseImport } from '../../../src/services/portfolio-import';

const TODAY = '2026-11-20';

describe('portfolio import symbols', () => {
  it('drops a Zerodha series suffix but keeps a hyphen or an ampersand of the symbol', () => {
    const tradebook = [
      'symbol,trade_date,trade_type,quantity,price',
      'INFY-BE,2024-03-04,buy,10,1650.5',
      'BAJAJ-AUTO,2024-03-04,buy,1,9000',
      'M&M,2024-03-04,buy,2,2900',
      'SGBMAR29-GB,2024-03-04,buy,1,6000',
    ].join('\n');
    const { lines, problems } = parseImport(tradebook, 'ZERODHA_TRADEBOOK', TODAY);
    expect(problems).toEqual([]);
    expect(lines.map((line) => line.entry.symbol)).toEqual([
      'INFY',
      'BAJAJ-AUTO',
      'M&M',
      'SGBMAR29',
    ]);
  });

  it('reads holdings instruments the same way', () => {
    const holdings = ['Instrument,Qty.,Avg. cost', 'BAJAJ-AUTO,3,8500', 'TCS-EQ,1,4100'].join('\n');
    const { lines } = parseImport(holdings, 'ZERODHA_HOLDINGS', TODAY);
    expect(lines.map((line) => line.entry.symbol)).toEqual(['BAJAJ-AUTO', 'TCS']);
  });

  it('keeps a share-class hyphen in a generic import', () => {
    const csv = ['date,type,symbol,quantity,price', '2024-03-04,BUY,bf-b,5,45'].join('\n');
    const { lines } = parseImport(csv, 'GENERIC', TODAY);
    expect(lines[0].entry.symbol).toBe('BF-B');
  });
});
