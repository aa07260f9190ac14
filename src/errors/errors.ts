import { GraphQLError } from 'graphql';
import { ErrorCode } from './codes';

type Extensions = Record<string, unknown>;

/** Base of every error the gateway raises on purpose: a fixed, public `extensions.code`. */
export abstract class YieldflowError extends GraphQLError {
  abstract readonly code: ErrorCode;

  protected constructor(message: string, code: ErrorCode, extensions: Extensions = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = new.target.name;
  }
}

/** Missing, malformed, expired or revoked credentials. */
export class UnauthenticatedError extends YieldflowError {
  readonly code = ErrorCode.UNAUTHENTICATED;
  constructor(message = 'Authentication required: send x-api-key or Authorization: Bearer') {
    super(message, ErrorCode.UNAUTHENTICATED);
  }
}

/** Authenticated, but the key's scopes or the plan do not allow this. */
export class ForbiddenError extends YieldflowError {
  readonly code = ErrorCode.FORBIDDEN;
  constructor(message: string, extensions: Extensions = {}) {
    super(message, ErrorCode.FORBIDDEN, extensions);
  }
}

/** An argument is invalid; `field` names it where one argument is at fault. */
export class BadUserInputError extends YieldflowError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, extensions: Extensions = {}) {
    super(message, ErrorCode.BAD_USER_INPUT, extensions);
  }
}

/**
 * A portfolio's stored ledger no longer replays (an entry was changed or removed in the
 * database, or was written under other rules): the figures derived from it cannot be
 * computed. The owner's data is at fault, not the request and not the gateway, and the
 * owner can mend it (delete or correct the entry named), so it is BAD_USER_INPUT with
 * `reason: LEDGER_DOES_NOT_REPLAY`, never INTERNAL_SERVER_ERROR.
 */
export class LedgerDoesNotReplayError extends BadUserInputError {
  constructor(problem: { transactionId: string; date: string; message: string }) {
    super(
      `This portfolio's stored ledger does not replay at transaction ${problem.transactionId} (${problem.date}): ${problem.message}. Delete or correct that entry.`,
      { reason: 'LEDGER_DOES_NOT_REPLAY', ...problem },
    );
  }
}

/** The thing does not exist, or is not the viewer's (the two are not told apart). */
export class NotFoundError extends YieldflowError {
  readonly code = ErrorCode.NOT_FOUND;
  constructor(message: string) {
    super(message, ErrorCode.NOT_FOUND);
  }
}

/** A request or connection limit of the plan was reached. */
export class RateLimitedError extends YieldflowError {
  readonly code = ErrorCode.RATE_LIMITED;
  constructor(
    message: string,
    readonly retryAfter: number,
    extensions: Extensions = {},
  ) {
    super(message, ErrorCode.RATE_LIMITED, { ...extensions, retryAfter });
  }
}

/** The query's cost, depth, aliases or size exceed what the plan allows. */
export class QueryTooComplexError extends YieldflowError {
  readonly code = ErrorCode.QUERY_TOO_COMPLEX;
  constructor(message: string, extensions: Extensions = {}) {
    super(message, ErrorCode.QUERY_TOO_COMPLEX, extensions);
  }
}

/** No market-data provider could answer in time and nothing usable was cached. */
export class UpstreamUnavailableError extends YieldflowError {
  readonly code = ErrorCode.UPSTREAM_UNAVAILABLE;
  constructor(message = 'Market data is unavailable right now; try again shortly') {
    super(message, ErrorCode.UPSTREAM_UNAVAILABLE);
  }
}

/** Seconds a caller is told to wait when the gateway's own database does not answer. */
export const SERVICE_RETRY_AFTER_SECONDS = 5;

/**
 * The gateway's own database (or store) did not answer in time: nothing was changed that
 * the caller must repeat differently; retry after `retryAfter` seconds.
 */
export class ServiceUnavailableError extends YieldflowError {
  readonly code = ErrorCode.SERVICE_UNAVAILABLE;
  constructor(
    message = 'The service is temporarily unavailable; retry shortly',
    readonly retryAfter = SERVICE_RETRY_AFTER_SECONDS,
  ) {
    super(message, ErrorCode.SERVICE_UNAVAILABLE, { retryAfter });
  }
}

/** An unexpected failure; its cause is logged with the request id, never shown. */
export class InternalServerError extends YieldflowError {
  readonly code = ErrorCode.INTERNAL_SERVER_ERROR;
  constructor(message = 'Internal server error') {
    super(message, ErrorCode.INTERNAL_SERVER_ERROR);
  }
}
