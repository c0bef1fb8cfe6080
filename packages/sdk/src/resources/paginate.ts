import type { List, ListParams } from '../types.ts';

/**
 * Walks every page of a list from `params.starting_after` on, yielding items one by one and
 * fetching the next page only when the current one is used up. `params.limit` is the page size.
 */
export async function* paginate<T extends { readonly id: string }, P extends ListParams>(
  fetchPage: (params: P) => Promise<List<T>>,
  params: P,
): AsyncGenerator<T, void, undefined> {
  let cursor = params.starting_after;
  for (;;) {
    const page = await fetchPage(cursor === undefined ? params : { ...params, starting_after: cursor });
    yield* page.data;
    const last = page.data.at(-1);
    if (!page.has_more || !last) return;
    cursor = last.id;
  }
}
