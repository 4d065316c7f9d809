/**
 * The serialised default history page (`GET /api/messages/:room`, the last 50) per room, kept
 * until a commit touches that room. A hit skips the query and JSON serialisation. Bounded: the
 * oldest entry goes when more than `maxRooms` rooms are cached.
 */
export class HistoryCache {
  private readonly pages = new Map<string, Buffer>();

  constructor(private readonly maxRooms = 1000) {}

  get(room: string): Buffer | undefined {
    return this.pages.get(room);
  }

  set(room: string, body: Buffer): void {
    this.pages.delete(room);
    this.pages.set(room, body);
    if (this.pages.size > this.maxRooms) this.pages.delete(this.pages.keys().next().value!);
  }

  /** Drops the page of every room named (call after a commit, before the broadcast). */
  invalidate(rooms: Iterable<string>): void {
    for (const room of rooms) this.pages.delete(room);
  }
}
