import type { Exchange, HttpHandlerOptions } from './http';
import { BodyTooLargeError, headerValue, readBody, sendGraphQLError } from './http-util';

/** Path of the CSV upload: the same import as the `importTransactions` mutation. */
export const IMPORT_PATH = '/import/transactions';

/** The mutation an upload runs, with the CSV as its `csv` variable. */
export const IMPORT_DOCUMENT = `mutation ImportTransactions($portfolioId: ID!, $csv: String!, $format: ImportFormat = GENERIC, $dryRun: Boolean = false) {
  importTransactions(portfolioId: $portfolioId, csv: $csv, format: $format, dryRun: $dryRun) {
    imported skipped dryRun errors { line message }
  }
}`;

/** A GraphQL request body to run, built from something other than a JSON body. */
export interface PreparedBody {
  query: string;
  operationName: string;
  variables: Record<string, unknown>;
}

/**
 * `POST /import/transactions?portfolioId=…[&format=…][&dryRun=true]` with a `text/csv`
 * body of up to MAX_IMPORT_BYTES: a large CSV need not travel inside a JSON body (whose
 * limit, MAX_BODY_BYTES, is kept small for everything else). Credentials, signing,
 * limits, cost and metering are those of GraphQL over HTTP: the upload runs the
 * `importTransactions` mutation and answers its GraphQL result.
 */
export function serveImport(
  exchange: Exchange,
  options: HttpHandlerOptions,
  run: (raw: Buffer, body: PreparedBody) => void,
): void {
  const { req, res } = exchange;
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendGraphQLError(
      res,
      405,
      'BAD_USER_INPUT',
      `${IMPORT_PATH} takes POST with a text/csv body`,
    );
  }
  const contentType = (headerValue(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'text/csv') {
    return sendGraphQLError(
      res,
      415,
      'BAD_USER_INPUT',
      `${IMPORT_PATH} takes Content-Type: text/csv`,
    );
  }
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const portfolioId = params.get('portfolioId');
  if (!portfolioId) {
    return sendGraphQLError(
      res,
      400,
      'BAD_USER_INPUT',
      'portfolioId is required in the query string',
    );
  }
  const variables: Record<string, unknown> = { portfolioId };
  const format = params.get('format');
  if (format !== null) variables.format = format;
  const dryRun = params.get('dryRun');
  if (dryRun !== null) {
    if (dryRun !== 'true' && dryRun !== 'false') {
      return sendGraphQLError(res, 400, 'BAD_USER_INPUT', 'dryRun must be true or false');
    }
    variables.dryRun = dryRun === 'true';
  }
  readBody(req, options.config.maxImportBytes, (error, raw) => {
    try {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return sendGraphQLError(
          res,
          413,
          'QUERY_TOO_COMPLEX',
          `The CSV is larger than ${error.limit} bytes`,
        );
      }
      if (error) return exchange.fail(error);
      variables.csv = raw!.toString('utf8');
      run(raw!, { query: IMPORT_DOCUMENT, operationName: 'ImportTransactions', variables });
    } catch (thrown) {
      exchange.fail(thrown as Error);
    }
  });
}
