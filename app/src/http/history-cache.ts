/**
 * The serialised default history page (`GET /api/messages/:room`, the last 50) per room, kept
 * until a delivered message touches that room. A hit skips the query and JSON serialisation.
 * Bounded: the oldest entry goes when more than `maxRooms` rooms are cached.
 *
 * Reads are asynchronous (PostgreSQL), so a page read before a commit could land after that
 * commit's invalidation. {@link stamp} is taken before the query and {@link set} drops a page
 * whose room was invalidated (or the cache cleared) in between: a stale page is never cached.
 */
export class HistoryCache {
  private readonly pages = new Map<string, Buffer>();
  /** Invalidations per room since the last clear; the epoch changes on every clear. */
  private readonly generations = new Map<string, number>();
  private epoch = 0;

  constructor(private readonly maxRooms = 1000) {}

  get(room: string): Buffer | undefined {
    return this.pages.get(room);
  }

  /** An opaque token to pass to {@link set} for a page read from now on. */
  stamp(room: string): string {
    return `${this.epoch}:${this.generations.get(room) ?? 0}`;
  }

  /** Caches a page read after `stamp` was taken, unless the room changed since. */
  set(room: string, body: Buffer, stamp: string): void {
    if (stamp !== this.stamp(room)) return;
    this.pages.delete(room);
    this.pages.set(room, body);
    if (this.pages.size > this.maxRooms) this.pages.delete(this.pages.keys().next().value!);
  }

  /** Drops the page of every room named (call when a message of those rooms is delivered). */
  invalidate(rooms: Iterable<string>): void {
    for (const room of rooms) {
      this.pages.delete(room);
      this.generations.set(room, (this.generations.get(room) ?? 0) + 1);
    }
    if (this.generations.size > this.maxRooms * 10) this.clear();
  }

  /** Drops everything (e.g. when the fan-out was lost and invalidations may have been missed). */
  clear(): void {
    this.pages.clear();
    this.generations.clear();
    this.epoch++;
  }
}
