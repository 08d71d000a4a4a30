import { NextLinkOriginError, PagingStalledError } from './errors.js'
import type { Page } from './incidents_list.js'

/**
 * Paging as async iterators. A {@link PagedList} iterates items; `.pages()` iterates pages (for
 * progress or checkpoints per page). Nothing is fetched until iteration starts, and breaking out
 * of the loop stops fetching.
 */
export interface PagedList<T> extends AsyncIterable<T> {
  pages(): AsyncIterable<Page<T>>
  /** Collects every item (mind the quotas on large lists). */
  toArray(): Promise<T[]>
}

const MAX_STALLED_PAGES = 3

/**
 * `key` drops items already yielded in this listing: with offset paging over data that changes
 * (a new incident on top shifts every page by one), the same incident can come back on the next
 * page. Offsets cannot recover an item shifted the other way — sync uses time-boundary paging
 * for that (peers.md §1.2, elastic PR #20348).
 */
export function pagedList<T>(pages: () => AsyncGenerator<Page<T>>, limit?: number, key?: (item: T) => string): PagedList<T> {
  const limited = async function* (): AsyncGenerator<Page<T>> {
    let left = limit ?? Infinity
    if (left <= 0) return
    const seen = key ? new Set<string>() : undefined
    let stalled = 0
    for await (const raw of pages()) {
      const page = seen ? { ...raw, items: raw.items.filter((i) => !seen.has(key!(i)) && (seen.add(key!(i)), true)) } : raw
      // One all-repeat page can be honest (a page's worth of incidents created between two calls);
      // three in a row is a server ignoring $skip or repeating its nextLink.
      stalled = raw.items.length > 0 && page.items.length === 0 ? stalled + 1 : 0
      if (stalled >= MAX_STALLED_PAGES) throw new PagingStalledError({ pages: stalled })
      if (page.items.length >= left) {
        yield { ...page, items: page.items.slice(0, left) }
        return
      }
      left -= page.items.length
      yield page
    }
  }
  return {
    pages: limited,
    async *[Symbol.asyncIterator]() {
      for await (const page of limited()) yield* page.items
    },
    async toArray() {
      const out: T[] = []
      for await (const page of limited()) for (const item of page.items) out.push(item)
      return out
    },
  }
}

/**
 * Legacy paging: `$skip` advanced by the items received, until a page shorter than `$top`
 * (the documented contract: `$top` ≤ 100, `$skip`; no nextLink — defender-api.md §2.2, §8 q3).
 */
export async function* skipPages<T>(fetchPage: (skip: number) => Promise<Page<T>>, pageSize: number): AsyncGenerator<Page<T>> {
  for (let skip = 0; ; ) {
    const page = await fetchPage(skip)
    if (page.items.length) yield page
    if (page.items.length < pageSize) return
    skip += page.items.length
  }
}

/**
 * Graph paging: follow `@odata.nextLink` — but only on the API's own origin. The bearer token
 * goes wherever the link points, so a link to another host is refused (SSRF guard, as the Splunk
 * SOAR connector does, peers.md §1.3).
 */
export async function* nextLinkPages<T>(first: () => Promise<Page<T>>, follow: (url: string) => Promise<Page<T>>, origin: string): AsyncGenerator<Page<T>> {
  let page = await first()
  for (;;) {
    if (page.items.length) yield page
    if (!page.nextLink) return
    let next: URL
    try {
      next = new URL(page.nextLink, origin)
    } catch {
      throw new NextLinkOriginError({ nextLink: page.nextLink, expectedOrigin: origin })
    }
    if (next.origin !== origin) throw new NextLinkOriginError({ nextLink: page.nextLink, expectedOrigin: origin })
    page = await follow(next.href)
  }
}
