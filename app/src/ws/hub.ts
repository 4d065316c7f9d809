import type { StoredMessage } from '../db/store';
import { messageEvent, plainLine, presenceEvent } from './frames';
import type { Peer } from './peer';

/**
 * Who is in which room, and delivery to them. Each broadcast is serialised at most once per
 * mode (plain and JSON) and the same buffer goes to every peer. Presence changes are coalesced:
 * one presence event per room per event-loop turn, however many peers joined or left in it.
 */
export class Hub {
  private readonly rooms = new Map<string, Set<Peer>>();
  private readonly presenceDirty = new Set<string>();
  private presenceScheduled = false;

  /** Number of connected peers. */
  get size(): number {
    let total = 0;
    for (const peers of this.rooms.values()) total += peers.size;
    return total;
  }

  /** Every connected peer. */
  *peers(): IterableIterator<Peer> {
    for (const peers of this.rooms.values()) yield* peers;
  }

  join(peer: Peer): void {
    let peers = this.rooms.get(peer.room);
    if (!peers) {
      peers = new Set();
      this.rooms.set(peer.room, peers);
    }
    peers.add(peer);
    this.markPresence(peer.room);
  }

  leave(peer: Peer): void {
    const peers = this.rooms.get(peer.room);
    if (!peers?.delete(peer)) return;
    if (peers.size === 0) this.rooms.delete(peer.room);
    this.markPresence(peer.room);
  }

  /** Distinct users in a room, sorted. */
  usersIn(room: string): string[] {
    const peers = this.rooms.get(room);
    if (!peers) return [];
    return [...new Set([...peers].map((peer) => peer.user))].sort();
  }

  /** Delivers a committed message to everyone in its room (and no other room). @returns peers reached. */
  broadcast(message: StoredMessage): number {
    const peers = this.rooms.get(message.room_id);
    if (!peers) return 0;
    let plain: Buffer | undefined;
    let json: Buffer | undefined;
    for (const peer of peers) {
      if (peer.json) peer.send((json ??= Buffer.from(messageEvent(message))));
      else peer.send((plain ??= Buffer.from(plainLine(message))));
    }
    return peers.size;
  }

  private markPresence(room: string): void {
    this.presenceDirty.add(room);
    if (this.presenceScheduled) return;
    this.presenceScheduled = true;
    setImmediate(() => this.flushPresence());
  }

  private flushPresence(): void {
    this.presenceScheduled = false;
    for (const room of this.presenceDirty) {
      const peers = this.rooms.get(room);
      if (!peers) continue;
      let event: Buffer | undefined;
      for (const peer of peers) if (peer.json) peer.send((event ??= Buffer.from(presenceEvent(room, this.usersIn(room)))));
    }
    this.presenceDirty.clear();
  }
}
