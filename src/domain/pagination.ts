/** One page of a list, cut by {@link pageOf}. */
export interface Page<T> {
  items: Array<{ cursor: string; item: T }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** An opaque cursor for the item with `id`. */
export function cursorOf(id: string): string {
  return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

/** The id inside a cursor, or null when it is not one of ours. */
export function idOfCursor(cursor: string): string | null {
  if (cursor.length > 200 || !/^[\w-]*$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith('id:') ? text.slice(3) : null;
}

/**
 * The `first` items after the one `after` points at (from the start without it).
 * Throws a plain Error naming the problem for a cursor of no item in `list`: the
 * caller turns it into BAD_USER_INPUT.
 */
export function pageOf<T>(
  list: readonly T[],
  idOf: (item: T) => string,
  first: number,
  after: string | null | undefined,
): Page<T> {
  let start = 0;
  if (after !== null && after !== undefined) {
    const id = idOfCursor(after);
    const index = id === null ? -1 : list.findIndex((item) => idOf(item) === id);
    if (index < 0) throw new Error('after is not the cursor of an entry of this list');
    start = index + 1;
  }
  const slice = list.slice(start, start + first);
  const items = slice.map((item) => ({ cursor: cursorOf(idOf(item)), item }));
  return {
    items,
    hasNextPage: start + slice.length < list.length,
    endCursor: items.length > 0 ? items[items.length - 1].cursor : null,
    totalCount: list.length,
  };
}
