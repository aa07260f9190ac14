import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, ValueNode } from 'graphql';
import { decimalLiteralFields, isRefusedDecimal } from '../decimal-literal-fields';
import type { Context } from '../../context';
import { ErrorCode } from '../../errors/codes';
import {
  SERVICE_RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  YieldflowError,
} from '../../errors/errors';
import { isDatabaseUnavailable } from '../../datasources/database/unavailable';

const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * Apollo's own codes for requests that are wrong before execution. The contract has
 * one code for "your input is wrong"; Apollo's code is kept as `reason`.
 */
export const APOLLO_INPUT_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

// The input field of each refused Decimal literal, noted when the errors are met (the
// request's document is at hand there) and read when they are formatted.
const refusedDecimalFields = new WeakMap<object, string>();

/** The input field a refused Decimal literal stands for, when it was noted. */
function literalField(error: unknown): string | undefined {
  return error && typeof error === 'object' ? refusedDecimalFields.get(error) : undefined;
}

/**
 * Names the field of a Decimal literal that validation refused: graphql-js' message
 * names only the value. Runs before the errors are formatted.
 */
export function decimalFieldPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ document, schema, errors }) {
          const refused = errors.filter((error) => isRefusedDecimal(error.message));
          if (!document || refused.length === 0) return;
          const fields = decimalLiteralFields(schema, document);
          for (const error of refused) {
            const field = error.nodes?.[0] && fields.get(error.nodes[0] as ValueNode);
            if (field) refusedDecimalFields.set(error, field);
          }
        },
      };
    },
  };
}

function isExpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof YieldflowError) return true;
  const code = (original as { extensions?: { code?: unknown } })?.extensions?.code;
  return typeof code === 'string' && (PUBLIC_CODES.has(code) || APOLLO_INPUT_CODES.has(code));
}

/**
 * Maps every error onto the contract's codes. Unexpected errors become
 * INTERNAL_SERVER_ERROR with a fixed message outside development, so that no stack
 * trace, SQL, upstream URL or key leaks; the original is logged by
 * {@link errorLoggingPlugin} with the request id.
 */
export function createFormatError(options: { development: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (isExpected(error)) {
      // A stack trace of an expected error says nothing about the caller's mistake.
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      const code = extensions.code;
      // Token, depth and alias limits surface as parse and validation errors; to the
      // caller they are size limits.
      const sizeLimit =
        (code === 'GRAPHQL_PARSE_FAILED' &&
          /contains more th(?:an|at) \d+ tokens/.test(formatted.message)) ||
        (code === 'GRAPHQL_VALIDATION_FAILED' &&
          (typeof extensions.limit === 'string' ||
            // Apollo's own recursion guard (maxRecursiveSelections)
            extensions.validationErrorCode === 'MAX_RECURSIVE_SELECTIONS_EXCEEDED'));
      if (sizeLimit) {
        return {
          ...formatted,
          extensions: { ...extensions, code: 'QUERY_TOO_COMPLEX', reason: code },
        };
      }
      // graphql-js parses recursively: within the token limit, a document about 2,000
      // selections deep exhausts the stack, which the parser reports as its own failure.
      if (code === 'GRAPHQL_PARSE_FAILED' && /Maximum call stack size/.test(formatted.message)) {
        return {
          message: 'The document is nested too deeply',
          extensions: { code: 'QUERY_TOO_COMPLEX', reason: code },
        };
      }
      if (typeof code === 'string' && APOLLO_INPUT_CODES.has(code) && code !== 'BAD_USER_INPUT') {
        const field = literalField(error);
        return {
          ...formatted,
          ...(field && { message: `${field}: ${formatted.message}` }),
          extensions: {
            ...extensions,
            code: 'BAD_USER_INPUT',
            reason: code,
            ...(field && { argument: field }),
          },
        };
      }
      return { ...formatted, extensions };
    }
    // The database did not answer: the caller may retry, and nothing is its fault.
    if (isDatabaseUnavailable(unwrapResolverError(error))) {
      const unavailable = new ServiceUnavailableError();
      return {
        message: unavailable.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: unavailable.code, retryAfter: unavailable.retryAfter },
      };
    }
    if (options.development) {
      return {
        ...formatted,
        extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' },
      };
    }
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** Logs unexpected errors with the request's logger (and so its request id). */
export function errorLoggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            if (isExpected(error)) continue;
            // Logged once by the availability tracker, not once per request.
            if (contextValue.services.database.report(unwrapResolverError(error))) continue;
            contextValue.logger.error(
              { err: unwrapResolverError(error), path: error.path },
              'unexpected error',
            );
          }
        },
      };
    },
  };
}

/**
 * HTTP 400 for an answer that is nothing but the caller's mistake: every error is
 * BAD_USER_INPUT and no root field got a value (Apollo would answer 200, as for any
 * execution error); 503 with Retry-After when nothing got a value because the database
 * did not answer. An answer with some data keeps 200: part of it is good.
 */
export function inputErrorStatusPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || response.http.status !== undefined) return;
          const { errors, data } = response.body.singleResult;
          if (!errors || errors.length === 0) return;
          if (data && Object.values(data).some((value) => value !== null)) return;
          if (errors.every((error) => error.extensions?.code === ErrorCode.BAD_USER_INPUT)) {
            response.http.status = 400;
          } else if (errors.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
            // Nothing answered because the database did not: 503, and when to retry.
            response.http.status = 503;
            response.http.headers.set('retry-after', String(SERVICE_RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}
