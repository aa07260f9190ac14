import { GraphQLError } from 'graphql';
import { BadUserInputError, NotFoundError } from '../../../src/errors/errors';
import { createFormatError } from '../../../src/server/plugins/errors.plugin';

describe('createFormatError', () => {
  const production = createFormatError({ development: false });
  const development = createFormatError({ development: true });

  it('passes the contract codes through without stack traces', () => {
    const error = new NotFoundError('Portfolio not found');
    const formatted = production(
      { ...error.toJSON(), extensions: { ...error.extensions, stacktrace: ['at x'] } },
      error,
    );
    expect(formatted).toEqual({
      message: 'Portfolio not found',
      extensions: { code: 'NOT_FOUND' },
    });
    const input = new BadUserInputError('bad symbol', { field: 'symbol' });
    expect(production(input.toJSON(), input).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'symbol',
    });
  });

  it("maps Apollo's request errors to BAD_USER_INPUT, keeping the reason", () => {
    const error = new GraphQLError('Syntax Error', {
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect(production(error.toJSON(), error).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
    });
  });

  it('masks unexpected errors outside development: no SQL, URL or stack', () => {
    const cause = new Error('relation "users" does not exist at postgresql://u:p@db/x');
    const wrapped = new GraphQLError(cause.message, { originalError: cause, path: ['me'] });
    const formatted = production(
      { ...wrapped.toJSON(), extensions: { stacktrace: ['at db'] } },
      wrapped,
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['me'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('keeps the message of unexpected errors in development, coded INTERNAL_SERVER_ERROR', () => {
    const wrapped = new GraphQLError('boom', { originalError: new Error('boom') });
    expect(development(wrapped.toJSON(), wrapped)).toMatchObject({
      message: 'boom',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('answers SERVICE_UNAVAILABLE with retryAfter when the database did not answer, in development too', () => {
    const cause = Object.assign(new Error("Can't reach database server at db:5432"), {
      code: 'P1001',
    });
    const wrapped = new GraphQLError(cause.message, { originalError: cause, path: ['me'] });
    for (const format of [production, development]) {
      expect(format(wrapped.toJSON(), wrapped)).toEqual({
        message: 'The service is temporarily unavailable; retry shortly',
        path: ['me'],
        extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 },
      });
    }
  });
});
