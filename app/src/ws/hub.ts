import type { StoredMessage } from '../db/chat-store';
import { messageEvent, plainLine, presenceEvent, typingEvent } from './frames';
import type { Peer } from './peer';
import { encodeTextFrame, type TextFrame } from './text-frame';

/**
 * Who is in which room, and delivery to them. Each broadcast is serialised and framed at most
 * once per mode (plain and JSON) and the same bytes go to every peer. Inside {@link batch}, each
 * recipient's socket is corked once, so a group commit of k messages costs one write per peer.
 * Presence changes are coalesced: joins and leaves of one event-loop turn make one
 * `onPresenceDirty(room)` call, and a room gets at most one per {@link presenceInterval} (later changes wait for
 * the end of the interval and are sent together): a changed list goes to each of the room's members, so a room of
 * n users filling up or reconnecting one join at a time would otherwise cost n² frames of n names each. The fan-out
 * answers with {@link sendPresence} (cluster-wide users); a list equal to the one the room last got is sent only to
 * the peers that have not had it (those that joined since), so a user who drops and is back within the interval,
 * or a second tab of someone already there, costs the room nothing.
 * A peer that is replaying `since` gets live messages into its replay buffer instead (see
 * {@link Peer.replayBuffer}), and no peer is ever sent an id it already has (see {@link Peer.lastId}).
 * A message whose `prev` (the room's previous committed id, from PostgreSQL) is above the highest id
 * this replica delivered in the room reveals a committed message that never arrived live here (its
 * writer crashed between commit and publish, or its publish failed while Redis stayed up for the
 * others): the room's peers are handed to `onGap` — the gateway closes them so they replay — and are
 * not sent the message.
 */
/** A room's presence is recomputed and sent at most once per this many milliseconds (the first change at once)… */
export const PRESENCE_INTERVAL_MS = 250;
/** …per this many peers of the room here: a room of 1,000 waits 1 s between lists, one of 2,000 waits 2 s. */
export const PRESENCE_PEERS_PER_INTERVAL = 250;

/**
 * The shortest time between two presence lists of a room with `peers` peers here: `base` for up to
 * {@link PRESENCE_PEERS_PER_INTERVAL} peers, one more `base` per started {@link PRESENCE_PEERS_PER_INTERVAL} beyond.
 * A list of n names sent to n members costs O(n²) bytes; spacing lists O(n) apart keeps a big room's presence
 * traffic per second linear in its size. Pure.
 */
export function presenceInterval(base: number, peers: number): number {
  return base * Math.max(1, Math.ceil(peers / PRESENCE_PEERS_PER_INTERVAL));
}

export class Hub {
  private readonly rooms = new Map<string, Set<Peer>>();
  /** Per room with peers here: the highest id delivered live (since the room got peers or the fan-out came back). */
  private readonly lastLive = new Map<string, number>();
  private readonly presenceDirty = new Set<string>();
  /** When each room with peers here last had its presence flushed. */
  private readonly presenceSentAt = new Map<string, number>();
  /** Per room: each user's connections here. */
  private readonly members = new Map<string, Map<string, number>>();
  /** Per room: users whose last connection here closed less than the grace ago, with when it ends (ms, monotonic). */
  private readonly departed = new Map<string, Map<string, number>>();
  private readonly presenceGraceMs: number;
  /** Each room's last presence list (its names joined) and the frame that carried it. */
  private readonly presenceLast = new Map<string, { key: string; frame: TextFrame }>();
  private presenceScheduled = false;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly presenceIntervalMs: number;
  private batchId = 0;
  private corked: Peer[] | undefined;
  private readonly onPresenceDirty: (room: string) => void;
  private readonly onDuplicate: () => void;
  private readonly onGap: (room: string, peers: Peer[], lastDelivered: number, prev: number) => void;

  constructor(callbacks: {
    /** Called once per turn for each room whose local users changed. */
    presenceDirty: (room: string) => void;
    /** Called when a live message is not sent to a peer because the peer already has it. */
    duplicate?: () => void;
    /**
     * Called (before the message is delivered) with the room's peers when a message says the room had a
     * committed message after `lastDelivered` that never arrived here; they must be closed (so they replay).
     */
    gap?: (room: string, peers: Peer[], lastDelivered: number, prev: number) => void;
    /** Overrides {@link PRESENCE_INTERVAL_MS}. */
    presenceIntervalMs?: number;
    /** How long a user stays in {@link presentUsers} after their last connection in the room closed (default 0). */
    presenceGraceMs?: number;
  }) {
    this.presenceIntervalMs = callbacks.presenceIntervalMs ?? PRESENCE_INTERVAL_MS;
    this.presenceGraceMs = callbacks.presenceGraceMs ?? 0;
    this.onPresenceDirty = callbacks.presenceDirty;
    this.onDuplicate = callbacks.duplicate ?? (() => undefined);
    this.onGap = callbacks.gap ?? (() => undefined);
  }

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
    const members = this.members.get(peer.room) ?? new Map<string, number>();
    this.members.set(peer.room, members);
    members.set(peer.user, (members.get(peer.user) ?? 0) + 1);
    const departed = this.departed.get(peer.room);
    if (departed?.delete(peer.user) && departed.size === 0) this.departed.delete(peer.room);
    this.markPresence(peer.room);
  }

  leave(peer: Peer): void {
    const peers = this.rooms.get(peer.room);
    if (!peers?.delete(peer)) return;
    const members = this.members.get(peer.room)!;
    const left = (members.get(peer.user) ?? 1) - 1;
    if (left > 0) members.set(peer.user, left);
    else {
      members.delete(peer.user);
      if (members.size === 0) this.members.delete(peer.room);
      if (this.presenceGraceMs > 0) this.depart(peer.room, peer.user);
    }
    if (peers.size === 0) {
      this.rooms.delete(peer.room);
      this.lastLive.delete(peer.room);
      this.presenceSentAt.delete(peer.room);
      this.presenceLast.delete(peer.room);
    }
    this.markPresence(peer.room);
  }

  /**
   * Forgets what was delivered live. Called when the fan-out is lost or back: every peer of that time was
   * closed, and those that join afterwards replay from the database, so there is nothing to compare with.
   */
  forgetDelivered(): void {
    this.lastLive.clear();
  }

  /**
   * Closes `user`'s sockets on this replica (those `only` picks, all by default) with `code` and `reason`.
   * @returns how many were closed.
   */
  closeUser(user: string, code: number, reason: string, only: (peer: Peer) => boolean = () => true): number {
    const doomed = [...this.peers()].filter((peer) => peer.user === user && only(peer));
    for (const peer of doomed) peer.socket.close(code, reason);
    return doomed.length;
  }

  /** Rooms with at least one peer here. */
  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** Distinct users connected to a room here, sorted. */
  usersIn(room: string): string[] {
    return [...(this.members.get(room)?.keys() ?? [])].sort();
  }

  /**
   * The room's presence as this replica sees it: the users connected here and those whose last connection here
   * closed less than the grace ago, sorted. A user who reconnects within the grace never leaves the list, so a
   * reconnect storm (thousands of users dropping and coming back at once) changes no room's presence.
   */
  presentUsers(room: string): string[] {
    const departed = this.departed.get(room);
    if (!departed) return this.usersIn(room);
    return [...new Set([...(this.members.get(room)?.keys() ?? []), ...departed.keys()])].sort();
  }

  /** Keeps `user` in the room's presence for the grace, then marks the room's presence changed. */
  private depart(room: string, user: string): void {
    const departed = this.departed.get(room) ?? new Map<string, number>();
    this.departed.set(room, departed);
    const until = performance.now() + this.presenceGraceMs;
    departed.set(user, until);
    setTimeout(() => {
      // back since, or departed again later (a newer deadline): not this timer's business
      if (departed.get(user) !== until) return;
      departed.delete(user);
      if (departed.size === 0 && this.departed.get(room) === departed) this.departed.delete(room);
      this.markPresence(room);
    }, this.presenceGraceMs).unref();
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

  /**
   * Delivers a committed message to everyone in its room (and no other room) who does not have it yet.
   * @returns peers in the room.
   */
  broadcast(message: StoredMessage): number {
    const room = message.room_id;
    const peers = this.rooms.get(room);
    if (!peers) return 0;
    const corked = this.corked;
    const id = message.id;
    const last = this.lastLive.get(room);
    if (last === undefined || id > last) this.lastLive.set(room, id);
    const prev = message.prev;
    const roomGap = last !== undefined && prev !== undefined && prev > last;
    if (roomGap) this.onGap(room, [...peers], last, prev);
    let plain: TextFrame | undefined;
    let json: TextFrame | undefined;
    let gapped: Peer[] | undefined;
    for (const peer of peers) {
      if (peer.replayBuffer) {
        peer.replayBuffer.push(message);
        continue;
      }
      if (id <= peer.lastId) {
        this.onDuplicate();
        continue;
      }
      // Per connection: this peer's last message is older than the one before this (its replay ended before a
      // message that never arrived here live). Sending this one would move its `since` past the hole for good.
      if (!roomGap && prev !== undefined && peer.lastId > 0 && prev > peer.lastId) {
        (gapped ??= []).push(peer);
        continue;
      }
      peer.lastId = id;
      if (corked && peer.corkedBatch !== this.batchId) {
        peer.corkedBatch = this.batchId;
        peer.cork();
        corked.push(peer);
      }
      if (peer.json) peer.send((json ??= encodeTextFrame(messageEvent(message))));
      else peer.send((plain ??= encodeTextFrame(plainLine(message))));
    }
    if (gapped) this.onGap(room, gapped, Math.min(...gapped.map((peer) => peer.lastId)), prev as number);
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
    const now = performance.now();
    const due: string[] = [];
    let wait = Infinity;
    for (const room of this.presenceDirty) {
      const next = (this.presenceSentAt.get(room) ?? -Infinity) + presenceInterval(this.presenceIntervalMs, this.rooms.get(room)?.size ?? 0);
      if (next <= now) due.push(room);
      else wait = Math.min(wait, next - now);
    }
    for (const room of due) {
      this.presenceDirty.delete(room);
      // a room that emptied meanwhile is not remembered (leave() forgot it)
      if (this.rooms.has(room)) this.presenceSentAt.set(room, now);
    }
    if (wait !== Infinity && !this.presenceTimer) {
      // the rooms still waiting: one timer for all of them, at the earliest one's end of interval
      this.presenceTimer = setTimeout(() => {
        this.presenceTimer = undefined;
        this.flushPresence();
      }, Math.ceil(wait));
      this.presenceTimer.unref();
    }
    for (const room of due) this.onPresenceDirty(room);
  }

  /**
   * Tells the JSON peers in `from`'s room, other than `from`'s own user, that this user is typing. Plain peers
   * get nothing. Peers still replaying are skipped (a typing signal is worth nothing late). @returns recipients.
   */
  sendTyping(from: Peer): number {
    const peers = this.rooms.get(from.room);
    if (!peers) return 0;
    let event: TextFrame | undefined;
    let sent = 0;
    for (const peer of peers) {
      if (!peer.json || peer.user === from.user || peer.replayBuffer) continue;
      peer.send((event ??= encodeTextFrame(typingEvent(from.room, from.user))));
      sent++;
    }
    return sent;
  }

  /**
   * Sends the users of `room` (as the fan-out computed them) to this replica's JSON peers there: to all of them when
   * the list changed, else only to those not sent it yet. @returns how many peers were sent it.
   */
  sendPresence(room: string, users: string[]): number {
    const peers = this.rooms.get(room);
    if (!peers) return 0;
    const key = users.join('\n');
    let last = this.presenceLast.get(room);
    if (last?.key !== key) {
      last = { key, frame: encodeTextFrame(presenceEvent(room, users)) };
      this.presenceLast.set(room, last);
    }
    let sent = 0;
    for (const peer of peers) {
      if (!peer.json || peer.presenceFrame === last.frame) continue;
      peer.presenceFrame = last.frame;
      peer.send(last.frame);
      sent++;
    }
    return sent;
  }
}
