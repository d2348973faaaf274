// Minute facts: for each account, the OR-ed state bits of every epoch minute that had a result.
//
// Stored sparsely in pages of one UTC day (1 440 minutes, 2 bytes each), created on first use,
// so a month of probes for thousands of accounts stays in bounded memory and pages from several
// readers (worker threads, DynamoDB items) merge by a plain OR.

import { MINUTES_PER_DAY } from './instant.ts';

export type Page = Uint16Array;

export class MinuteFacts {
  /** account id → page number (epoch minute / 1440) → page */
  private readonly accounts = new Map<string, Map<number, Page>>();

  pagesOf(accountId: string): Map<number, Page> {
    let pages = this.accounts.get(accountId);
    if (!pages) {
      pages = new Map();
      this.accounts.set(accountId, pages);
    }
    return pages;
  }

  record(accountId: string, minute: number, bits: number): void {
    const pageNo = Math.floor(minute / MINUTES_PER_DAY);
    const pages = this.pagesOf(accountId);
    let page = pages.get(pageNo);
    if (!page) {
      page = new Uint16Array(MINUTES_PER_DAY);
      pages.set(pageNo, page);
    }
    const i = minute - pageNo * MINUTES_PER_DAY;
    page[i] = (page[i] ?? 0) | bits;
  }

  /** The page (UTC day) of an account, created empty on first use: bulk readers OR into it. */
  page(accountId: string, pageNo: number): Page {
    const pages = this.pagesOf(accountId);
    let page = pages.get(pageNo);
    if (!page) {
      page = new Uint16Array(MINUTES_PER_DAY);
      pages.set(pageNo, page);
    }
    return page;
  }

  /** ORs a page of another reader into this one. */
  mergePage(accountId: string, pageNo: number, source: Page): void {
    const pages = this.pagesOf(accountId);
    const page = pages.get(pageNo);
    if (!page) {
      pages.set(pageNo, source);
      return;
    }
    for (let i = 0; i < MINUTES_PER_DAY; i++) page[i] = (page[i] ?? 0) | (source[i] ?? 0);
  }

  /** State bits of one account-minute (0 when nothing was observed). */
  stateAt(accountId: string, minute: number): number {
    const pageNo = Math.floor(minute / MINUTES_PER_DAY);
    return this.accounts.get(accountId)?.get(pageNo)?.[minute - pageNo * MINUTES_PER_DAY] ?? 0;
  }

  /**
   * Calls `visit(minute, state)` for every minute in [from, to) with a non-zero state, in order.
   * Pages absent from the store are skipped whole.
   */
  forEachObserved(accountId: string, from: number, to: number, visit: (minute: number, state: number) => void): void {
    this.forEachStretch(accountId, from, to, (first, states) => {
      for (let i = 0; i < states.length; i++) {
        const state = states[i] ?? 0;
        if (state !== 0) visit(first + i, state);
      }
    });
  }

  /**
   * Each stretch of an account's pages inside [from, to): its first epoch minute and its states
   * (a view, 0 where nothing was observed). Days without a page are skipped.
   */
  forEachStretch(accountId: string, from: number, to: number, visit: (first: number, states: Page) => void): void {
    const pages = this.accounts.get(accountId);
    if (!pages) return;
    const firstPage = Math.floor(from / MINUTES_PER_DAY);
    const lastPage = Math.floor((to - 1) / MINUTES_PER_DAY);
    for (let p = firstPage; p <= lastPage; p++) {
      const page = pages.get(p);
      if (!page) continue;
      const base = p * MINUTES_PER_DAY;
      const start = Math.max(from, base) - base;
      const end = Math.min(to, base + MINUTES_PER_DAY) - base;
      visit(base + start, page.subarray(start, end));
    }
  }

  accountIds(): IterableIterator<string> {
    return this.accounts.keys();
  }
}
