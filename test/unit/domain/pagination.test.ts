import { cursorOf, idOfCursor, pageOf } from '../../../src/domain/pagination';

describe('pageOf', () => {
  const list = Array.from({ length: 7 }, (_, i) => ({ id: `t${i}` }));
  const ids = (page: ReturnType<typeof pageOf<{ id: string }>>) => page.items.map((i) => i.item.id);

  it('walks a list page by page with the end cursor, to the end', () => {
    const first = pageOf(list, (t) => t.id, 3, null);
    expect(ids(first)).toEqual(['t0', 't1', 't2']);
    expect(first).toMatchObject({ hasNextPage: true, totalCount: 7 });
    const second = pageOf(list, (t) => t.id, 3, first.endCursor);
    expect(ids(second)).toEqual(['t3', 't4', 't5']);
    const last = pageOf(list, (t) => t.id, 3, second.endCursor);
    expect(ids(last)).toEqual(['t6']);
    expect(last.hasNextPage).toBe(false);
    const after = pageOf(list, (t) => t.id, 3, last.endCursor);
    expect(after).toMatchObject({ items: [], hasNextPage: false, endCursor: null });
  });

  it('refuses a cursor of no entry, or no cursor at all', () => {
    expect(() => pageOf(list, (t) => t.id, 3, cursorOf('gone'))).toThrow(/not the cursor/);
    expect(() => pageOf(list, (t) => t.id, 3, '%%%')).toThrow(/not the cursor/);
    expect(() => pageOf(list, (t) => t.id, 3, 'x'.repeat(10_000))).toThrow(/not the cursor/);
    expect(idOfCursor(Buffer.from('other').toString('base64url'))).toBeNull();
    expect(idOfCursor(cursorOf('t1'))).toBe('t1');
  });
});
