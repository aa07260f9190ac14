import { BREAK, visit, type DocumentNode } from 'graphql';
import { HTTP_STATUS } from '../errors/codes';
import { BadUserInputError } from '../errors/errors';

const NUL = '\u0000';

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(hasNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes(NUL) || hasNul(item));
  }
  return false;
}

/**
 * Refuses string input holding U+0000 with BAD_USER_INPUT (HTTP 400): PostgreSQL text
 * cannot store it, so it would otherwise fail deep in a write or a lookup as an
 * INTERNAL_SERVER_ERROR. No field of the schema has a use for it. Checks the document's
 * string literals and the variables, in one pass over each.
 */
export function assertNoNulInput(document: DocumentNode, variables: unknown): void {
  let found = hasNul(variables);
  if (!found) {
    visit(document, {
      StringValue(node) {
        if (!node.value.includes(NUL)) return undefined;
        found = true;
        return BREAK;
      },
    });
  }
  if (!found) return;
  const error = new BadUserInputError('Strings cannot contain the NUL character (U+0000)');
  error.extensions.http = { status: HTTP_STATUS[error.code] };
  throw error;
}
