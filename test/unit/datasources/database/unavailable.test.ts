import { isDatabaseUnavailable } from '../../../../src/datasources/database/unavailable';

/** An Error with extra fields, as pg, Prisma and node make them. */
const error = (message: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), fields);

describe('isDatabaseUnavailable', () => {
  // Shapes read off real failures through the fault proxy (refuse, reset, stall) and
  // PostgreSQL itself (statement timeout, shutdown).
  it.each([
    ['Prisma P1001 (cannot reach)', error("Can't reach database server", { code: 'P1001' })],
    [
      'Prisma P1017 (connection closed)',
      error('Server has closed the connection', { code: 'P1017' }),
    ],
    ['Prisma P2024 (pool timeout)', error('Timed out fetching a connection', { code: 'P2024' })],
    [
      'Prisma P2028 (a transaction that could not start in time)',
      error('Transaction API error: Unable to start a transaction in the given time.', {
        code: 'P2028',
      }),
    ],
    [
      'a raw query cancelled by statement_timeout (P2010 carrying 57014)',
      error('Raw query failed', {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57014' } } },
      }),
    ],
    [
      'the adapter kind ConnectionClosed',
      error('x', { meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } }),
    ],
    ["pg's query_timeout", error('Query read timeout')],
    [
      "pg's connect timeout, caused by the socket",
      error('Connection terminated due to connection timeout', {
        cause: error('Connection terminated unexpectedly'),
      }),
    ],
    ['ECONNREFUSED from node', error('connect ECONNREFUSED', { code: 'ECONNREFUSED' })],
    [
      'admin shutdown 57P01',
      error('terminating connection due to administrator command', { code: '57P01' }),
    ],
    ['class 08 connection failure', error('connection failure', { code: '08006' })],
    [
      'a resolver error wrapping one (originalError)',
      { message: 'x', originalError: error('Query read timeout') },
    ],
  ])('%s: unavailable', (_, thrown) => {
    expect(isDatabaseUnavailable(thrown)).toBe(true);
  });

  it.each([
    ['a unique violation (P2002)', error('Unique constraint failed', { code: 'P2002' })],
    ['a syntax error 42601', error('syntax error', { code: '42601' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'Query read timeout'],
    ['nothing', undefined],
  ])('%s: not unavailable', (_, thrown) => {
    expect(isDatabaseUnavailable(thrown)).toBe(false);
  });

  it('walks a cause cycle without looping', () => {
    const a = error('a') as Error & { cause?: unknown };
    const b = error('b', { cause: a });
    a.cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});
