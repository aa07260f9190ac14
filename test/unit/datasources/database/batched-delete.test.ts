import { deleteInBatches } from '../../../../src/datasources/database/batched-delete';

describe('deleteInBatches', () => {
  it('deletes everything selected, at most a batch per statement', async () => {
    let rows = Array.from({ length: 10 }, (_, id) => ({ id }));
    const statements: number[] = [];
    const deleted = await deleteInBatches(
      async (take) => rows.slice(0, take),
      async (ids) => {
        statements.push(ids.length);
        rows = rows.filter((row) => !ids.includes(row.id));
        return { count: ids.length };
      },
      3,
    );
    expect(deleted).toBe(10);
    expect(statements).toEqual([3, 3, 3, 1]);
    expect(rows).toEqual([]);
  });

  it('asks once more after a full last batch, and stops on an empty one', async () => {
    let rows = Array.from({ length: 6 }, (_, id) => ({ id }));
    let finds = 0;
    const deleted = await deleteInBatches(
      async (take) => {
        finds += 1;
        return rows.slice(0, take);
      },
      async (ids) => {
        rows = rows.filter((row) => !ids.includes(row.id));
        return { count: ids.length };
      },
      3,
    );
    expect(deleted).toBe(6);
    expect(finds).toBe(3);
  });
});
