// Catching up after a reconnect through the history API. The WebSocket's `since` replay sends at
// most 500 messages (docs: WebSocket replay) and then goes live; it ends with a `replay` event that
// says whether it held everything (`complete`). Only when it did not does the page read the hole it
// names — the messages with `last_id < id < next_before` — backwards, newest page first, until it
// reaches `last_id`. The Timeline drops whatever arrives twice, so an overlap costs only bytes.

/** Messages per history request after the first page (the API's maximum). */
export const CATCH_UP_PAGE = 200;

/** Pages read before giving up on filling the gap (the page then jumps to the newest messages). */
export const CATCH_UP_MAX_PAGES = 10;

/** @typedef {{ id: number, user: string, text: string, created_at: string }} PagedMessage */

/**
 * @typedef {object} CatchUpLimits
 * @property {number} [before] where to start: the first page is `readPage(before)` (the hole's upper bound,
 *   `next_before` of an incomplete `replay` event); without it, `readPage(undefined)` (the newest messages)
 * @property {number} [firstPageSize] how many messages `readPage(undefined)` asks for (required without `before`)
 * @property {number} [pageSize] how many `readPage(before)` asks for
 * @property {number} [maxPages]
 */

/**
 * Reads every message after `sinceId` by paging the history backwards from the newest.
 * @param {(before: number | undefined) => Promise<PagedMessage[]>} readPage one history page, oldest
 *   first: the newest `firstPageSize` messages when `before` is undefined, else the newest
 *   `pageSize` with an id below `before`
 * @param {number} sinceId the largest id the page showed before it reconnected
 * @param {CatchUpLimits} limits
 * @returns {Promise<{ messages: PagedMessage[], complete: boolean }>} `complete` is false when the
 *   gap is larger than `maxPages` pages: `messages` then holds only the newest part of it
 */
export async function catchUp(readPage, sinceId, limits) {
  const maxPages = limits.maxPages ?? CATCH_UP_MAX_PAGES;
  /** @type {PagedMessage[]} */
  const messages = [];
  /** @type {number | undefined} */
  let before = limits.before;
  for (let page = 0; page < maxPages; page++) {
    const asked = before === undefined ? (limits.firstPageSize ?? 0) : (limits.pageSize ?? CATCH_UP_PAGE);
    const batch = await readPage(before);
    messages.unshift(...batch.filter((message) => message.id > sinceId));
    // the room's oldest page, or a page reaching back to what was already shown: nothing is left
    if (batch.length < asked || batch[0].id <= sinceId) return { messages, complete: true };
    before = batch[0].id;
  }
  return { messages, complete: false };
}
