import type { StoredMessage } from '../db/chat-store';
import { messageEvent, plainLine, presenceEvent } from './frames';
import type { Peer } from './peer';
import { encodeTextFrame, type TextFrame } from './text-frame';

/**
 * Who is in which room, and delivery to them. Each broadcast is serialised and framed at most
 * once per mode (plain and JSON) and the same bytes go to every peer. Inside {@link batch}, each
 * recipient's socket is corked once, so a group commit of k messages costs one write per peer.
 * Presence changes are coalesced: joins and leaves of one event-loop turn make one
 * `onPresenceDirty(room)` call; the fan-out answers with {@link sendPresence} (cluster-wide users).
 * A peer that is replaying `since` gets live messages into its replay buffer instead (see
 * {@link Peer.replayBuffer}).
 */
export class Hub {
  private readonly rooms = new Map<string, Set<Peer>>();
  private readonly presenceDirty = new Set<string>();
  private presenceScheduled = false;
  private batchId = 0;
  private corked: Peer[] | undefined;

  /** @param onPresenceDirty called once per turn for each room whose local users changed. */
  constructor(private readonly onPresenceDirty: (room: string) => void) {}

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

  /** Rooms with at least one peer here. */
  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** Distinct users in a room, sorted. */
  usersIn(room: string): string[] {
    const peers = this.rooms.get(room);
    if (!peers) return [];
    return [...new Set([...peers].map((peer) => peer.user))].sort();
  }

  /** Runs `deliver` (a series of broadcasts) with every recipient corked until it returns. */
  batch(deliver: () => void): void {
    this.batchId++;
    const corked: Peer[] = (this.corked = []);
    try {
      deliver();
    } finally {
      this.corked = undefined;
      for (const peer of corked) peer.uncork();
    }
  }

  /** Delivers a committed batch: every recipient is corked once for the whole batch. */
  deliver(messages: readonly StoredMessage[]): void {
    this.batch(() => {
      for (const message of messages) this.broadcast(message);
    });
  }

  /** Delivers a committed message to everyone in its room (and no other room). @returns peers reached. */
  broadcast(message: StoredMessage): number {
    const peers = this.rooms.get(message.room_id);
    if (!peers) return 0;
    const corked = this.corked;
    let plain: TextFrame | undefined;
    let json: TextFrame | undefined;
    for (const peer of peers) {
      if (peer.replayBuffer) {
        peer.replayBuffer.push(message);
        continue;
      }
      if (corked && peer.corkedBatch !== this.batchId) {
        peer.corkedBatch = this.batchId;
        peer.cork();
        corked.push(peer);
      }
      if (peer.json) peer.send((json ??= encodeTextFrame(messageEvent(message))));
      else peer.send((plain ??= encodeTextFrame(plainLine(message))));
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
    const rooms = [...this.presenceDirty];
    this.presenceDirty.clear();
    for (const room of rooms) this.onPresenceDirty(room);
  }

  /** Sends the users of `room` (as the fan-out computed them) to this replica's JSON peers there. */
  sendPresence(room: string, users: string[]): void {
    const peers = this.rooms.get(room);
    if (!peers) return;
    let event: TextFrame | undefined;
    for (const peer of peers) if (peer.json) peer.send((event ??= encodeTextFrame(presenceEvent(room, users))));
  }
}
