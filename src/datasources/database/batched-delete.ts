/** Rows one statement of {@link deleteInBatches} deletes at most. */
export const DELETE_BATCH = 5_000;

/**
 * Deletes what `find` selects, `batch` rows per statement, until none is left; how many
 * went. However many rows a prune finds (a first run over years of them), each statement
 * stays short: inside the pool's statement timeout, and never holding locks long.
 */
export async function deleteInBatches<Id>(
  find: (take: number) => Promise<Array<{ id: Id }>>,
  remove: (ids: Id[]) => Promise<{ count: number }>,
  batch = DELETE_BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = (await find(batch)).map((row) => row.id);
    if (ids.length === 0) return total;
    total += (await remove(ids)).count;
    if (ids.length < batch) return total;
  }
}
