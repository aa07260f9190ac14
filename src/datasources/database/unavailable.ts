// Which errors mean "the database is not answering" (down, unreachable, stalled,
// overloaded) rather than "this query is wrong". The shapes below were read off real
// failures through test/helpers/fault-proxy.ts: Prisma's known-request codes, the
// driver adapter's error kinds, PostgreSQL's SQLSTATEs, and pg's own plain errors.

/**
 * Prisma: can't reach, timed out, socket timeout, closed, pool timeout, too many
 * connections, and an interactive transaction that could not start or outlived its bound
 * (P2028: a ledger change waiting behind a stalled one).
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);

/** @prisma/adapter-pg's kinds for connection failures. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** Node's socket errors. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * SQLSTATEs: class 08 (connection exception), 53300 (too many connections), 57014
 * (statement timeout: the server is too slow to answer in the bound), 57P01-57P03
 * (shutting down, crashed, starting up).
 */
const SQLSTATE = /^(08...|53300|57014|57P0[123])$/;

/** pg's errors without a code: no answer in time, connection lost, no free connection. */
const PG_MESSAGES =
  /^(Query read timeout|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

type Loose = {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
};

function matches(error: Loose): boolean {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code))) {
    return true;
  }
  if (typeof error.originalCode === 'string' && SQLSTATE.test(error.originalCode)) return true;
  if (typeof error.kind === 'string' && ADAPTER_KINDS.has(error.kind)) return true;
  return typeof error.message === 'string' && PG_MESSAGES.test(error.message);
}

/**
 * True when `error` (or what caused it) says the database did not answer: the request
 * should be told SERVICE_UNAVAILABLE and retry, not INTERNAL_SERVER_ERROR.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const loose = next as Loose;
    if (matches(loose)) return true;
    pending.push(loose.cause, loose.originalError, loose.meta?.driverAdapterError?.cause);
  }
  return false;
}
