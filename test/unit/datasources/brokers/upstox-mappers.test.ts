import { upstoxBrokerErrorOf } from '../../../../src/datasources/brokers/upstox/upstox.client';
import {
  UpstoxPayloadError,
  upstoxData,
  upstoxError,
  upstoxPositions,
  upstoxTokenExpiry,
  upstoxTrades,
} from '../../../../src/datasources/brokers/upstox/upstox.mappers';

describe('Upstox mappers', () => {
  it('expires tokens at the next 03:30 IST (22:00 UTC)', () => {
    // 20:00 IST Tuesday -> 03:30 IST Wednesday.
    expect(upstoxTokenExpiry(new Date('2024-05-07T14:30:00Z')).toISOString()).toBe(
      '2024-05-07T22:00:00.000Z',
    );
    // 02:30 IST Wednesday -> 03:30 IST the same Wednesday.
    expect(upstoxTokenExpiry(new Date('2024-05-07T21:00:00Z')).toISOString()).toBe(
      '2024-05-07T22:00:00.000Z',
    );
    // 03:30 IST exactly: the next day's.
    expect(upstoxTokenExpiry(new Date('2024-05-07T22:00:00Z')).toISOString()).toBe(
      '2024-05-08T22:00:00.000Z',
    );
  });

  it('dates trades by their exchange time stamp and orders them by it', () => {
    const trade = (id: string, stamp: string | null) => ({
      trade_id: id,
      order_id: `o${id}`,
      exchange: 'NSE',
      tradingsymbol: 'INFY',
      transaction_type: 'BUY',
      quantity: 1,
      average_price: 0.1 + 0.2,
      exchange_timestamp: stamp,
      order_timestamp: null,
    });
    const trades = upstoxTrades(
      [trade('2', '03-Aug-2017 15:03:42'), trade('1', '03-Aug-2017 09:15:00'), trade('3', null)],
      '2024-05-02',
    );
    expect(trades.map((t) => [t.tradeId, t.date])).toEqual([
      ['3', '2024-05-02'],
      ['1', '2017-08-03'],
      ['2', '2017-08-03'],
    ]);
    expect(trades[0].price).toBe('0.30000000000000004');
    expect(() => upstoxTrades([{ trade_id: '1' }], '2024-05-02')).toThrow(UpstoxPayloadError);
  });

  it("reads positions as the day's net quantity", () => {
    expect(
      upstoxPositions([
        { exchange: 'NSE', tradingsymbol: 'INFY', day_buy_quantity: 5, day_sell_quantity: 2 },
      ]),
    ).toEqual([{ exchange: 'NSE', tradingSymbol: 'INFY', quantity: '3' }]);
  });

  it('reads the envelope and the error payload', () => {
    expect(upstoxData({ status: 'success', data: [] }, 'x')).toEqual([]);
    expect(() => upstoxData({ status: 'error', errors: [] }, 'x')).toThrow(UpstoxPayloadError);
    expect(
      upstoxError({
        status: 'error',
        errors: [{ errorCode: 'UDAPI100050', message: 'Invalid token used to access API' }],
      }),
    ).toEqual({ code: 'UDAPI100050', message: 'Invalid token used to access API' });
    expect(upstoxError('<html>')).toBeNull();
  });

  it('classifies failures without leaking anything but the message', () => {
    const kind = (error: unknown) => upstoxBrokerErrorOf('trades', error).kind;
    expect(kind(new UpstoxPayloadError('x'))).toBe('UNAVAILABLE');
    expect(kind(new Error('socket hang up http://secret'))).toBe('UNAVAILABLE');
    expect(upstoxBrokerErrorOf('trades', new Error('http://secret')).message).not.toContain(
      'secret',
    );
  });
});
