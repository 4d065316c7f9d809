/**
 * Hub: rooms, delivery (one serialisation per broadcast and mode, one cork per recipient per batch), replay
 * buffers, the per-peer high-water mark, gaps, and coalesced presence. The peers are recording stand-ins with the
 * surface the hub uses; the frames are the real encoded ones.
 */
import type { StoredMessage } from '../src/db/chat-store';
import { Hub, presenceInterval } from '../src/ws/hub';
import type { Peer } from '../src/ws/peer';
import type { TextFrame } from '../src/ws/text-frame';

class RecordingPeer {
  corkedBatch = 0;
  replayBuffer: StoredMessage[] | undefined;
  lastId = 0;
  presenceFrame: TextFrame | undefined;
  readonly frames: TextFrame[] = [];
  readonly log: string[] = [];
  constructor(
    readonly user: string,
    readonly room: string,
    readonly json: boolean,
  ) {}
  send(frame: TextFrame): void {
    this.frames.push(frame);
    this.log.push(`send ${frame.payload.toString()}`);
  }
  cork(): void {
    this.log.push('cork');
  }
  uncork(): void {
    this.log.push('uncork');
  }
  get texts(): string[] {
    return this.frames.map((frame) => frame.payload.toString());
  }
}

const asPeer = (peer: RecordingPeer) => peer as unknown as Peer;

function message(id: number, room: string, text = `m${id}`, user = 'alice', prev?: number): StoredMessage {
  const m: StoredMessage = { id, room_id: room, user, text, created_at: '2026-01-01T00:00:00.000Z' };
  if (prev !== undefined) m.prev = prev;
  return m;
}

function setup() {
  const dirty: string[] = [];
  const gaps: Array<{ room: string; peers: RecordingPeer[]; lastDelivered: number; prev: number }> = [];
  let duplicates = 0;
  let onDirty: (() => void) | undefined;
  const hub = new Hub({
    presenceDirty: (room) => {
      dirty.push(room);
      onDirty?.();
    },
    duplicate: () => duplicates++,
    gap: (room, peers, lastDelivered, prev) => gaps.push({ room, peers: peers as unknown as RecordingPeer[], lastDelivered, prev }),
  });
  const join = (user: string, room: string, json = false) => {
    const peer = new RecordingPeer(user, room, json);
    hub.join(asPeer(peer));
    return peer;
  };
  /** Resolves once the hub has flushed its coalesced presence (it does so on a later turn). */
  const presenceFlushed = () =>
    new Promise<void>((resolve) => {
      onDirty = () => {
        onDirty = undefined;
        queueMicrotask(resolve); // after the flush loop, which is synchronous, has called back for every room
      };
    });
  return { hub, join, dirty, gaps, duplicates: () => duplicates, presenceFlushed };
}

describe('Hub', () => {
  test('delivers to everyone in the message room, sender included, and to no other room', () => {
    const { hub, join } = setup();
    const a = join('alice', 'general');
    const b = join('bob', 'general', true);
    const c = join('carol', 'dev');
    expect(hub.broadcast(message(1, 'general', 'hello'))).toBe(2);
    expect(a.texts).toEqual(['alice: hello']);
    expect(JSON.parse(b.texts[0]!)).toEqual({ type: 'message', id: 1, room: 'general', user: 'alice', text: 'hello', created_at: '2026-01-01T00:00:00.000Z' });
    expect(c.frames).toEqual([]);
    expect(hub.broadcast(message(2, 'empty-room'))).toBe(0);
  });

  test('serialises each broadcast once per mode: every peer of a mode gets the very same frame', () => {
    const { hub, join } = setup();
    const plain = [join('a', 'r'), join('b', 'r'), join('c', 'r')];
    const json = [join('d', 'r', true), join('e', 'r', true)];
    hub.broadcast(message(1, 'r'));
    expect(new Set(plain.map((p) => p.frames[0])).size).toBe(1);
    expect(new Set(json.map((p) => p.frames[0])).size).toBe(1);
    expect(plain[0]!.frames[0]).not.toBe(json[0]!.frames[0]);
  });

  test('a batch corks each recipient once, before its first frame, and uncorks it after the last', () => {
    const { hub, join } = setup();
    const a = join('alice', 'r1');
    const b = join('bob', 'r2');
    hub.deliver([message(1, 'r1'), message(2, 'r2'), message(3, 'r1'), message(4, 'r1')]);
    expect(a.log).toEqual(['cork', 'send alice: m1', 'send alice: m3', 'send alice: m4', 'uncork']);
    expect(b.log).toEqual(['cork', 'send alice: m2', 'uncork']);
    hub.deliver([message(5, 'r1')]);
    expect(a.log.slice(5)).toEqual(['cork', 'send alice: m5', 'uncork']);
  });

  test('a broadcast outside a batch does not cork', () => {
    const { hub, join } = setup();
    const a = join('alice', 'r');
    hub.broadcast(message(1, 'r'));
    expect(a.log).toEqual(['send alice: m1']);
  });

  test('a peer that is replaying gets live messages into its replay buffer instead', () => {
    const { hub, join } = setup();
    const a = join('alice', 'r');
    a.replayBuffer = [];
    const m = message(7, 'r');
    hub.deliver([m]);
    expect(a.frames).toEqual([]);
    expect(a.replayBuffer).toEqual([m]);
  });

  test('never sends a peer an id at or below the highest it has; counts each skip', () => {
    const { hub, join, duplicates } = setup();
    const a = join('alice', 'r');
    const b = join('bob', 'r');
    a.lastId = 5;
    hub.deliver([message(4, 'r'), message(5, 'r'), message(6, 'r')]);
    expect(a.texts).toEqual(['alice: m6']);
    expect(b.texts).toEqual(['alice: m4', 'alice: m5', 'alice: m6']);
    expect(a.lastId).toBe(6);
    expect(duplicates()).toBe(2);
    hub.deliver([message(6, 'r')]);
    expect(b.texts).toHaveLength(3);
    expect(duplicates()).toBe(4);
  });

  test('a message whose prev is above the last id delivered live hands the room to onGap first', () => {
    const { hub, join, gaps } = setup();
    const a = join('alice', 'r');
    hub.deliver([message(10, 'r', 'x', 'alice', 9)]);
    expect(gaps).toEqual([]); // nothing delivered here before: nothing to compare with
    hub.deliver([message(11, 'r', 'x', 'alice', 10)]);
    expect(gaps).toEqual([]);
    const sentBefore = a.frames.length;
    let sentAtGap = -1;
    const { length } = gaps;
    gaps.push = (...items) => {
      sentAtGap = a.frames.length;
      return Array.prototype.push.apply(gaps, items);
    };
    hub.deliver([message(14, 'r', 'x', 'alice', 13)]);
    expect(gaps.slice(length)).toEqual([{ room: 'r', peers: [a], lastDelivered: 11, prev: 13 }]);
    expect(sentAtGap).toBe(sentBefore);
  });

  test("forgetDelivered and an emptied room reset the room's gap comparison; a connection's own ledger still counts", () => {
    const { hub, join, gaps } = setup();
    const a = join('alice', 'r');
    hub.deliver([message(1, 'r')]);
    hub.forgetDelivered();
    // No room-wide gap (forgotten), but alice herself got 1 and not 2..4: only her connection is reported.
    hub.deliver([message(5, 'r', 'x', 'alice', 4)]);
    expect(gaps.map((g) => [g.peers.length, g.lastDelivered, g.prev])).toEqual([[1, 1, 4]]);
    expect(gaps[0]!.peers[0]).toBe(a);
    hub.leave(asPeer(a));
    // A new connection without a ledger (no `since`) starts at what it gets.
    join('bob', 'r');
    hub.deliver([message(9, 'r', 'x', 'alice', 8)]);
    expect(gaps).toHaveLength(1);
  });

  test('membership: size, peers, rooms, distinct sorted users; leave is idempotent', () => {
    const { hub, join } = setup();
    const a1 = join('zoe', 'r');
    join('zoe', 'r');
    join('adam', 'r');
    join('bob', 'other');
    expect(hub.size).toBe(4);
    expect([...hub.peers()]).toHaveLength(4);
    expect(hub.roomNames().sort()).toEqual(['other', 'r']);
    expect(hub.usersIn('r')).toEqual(['adam', 'zoe']);
    expect(hub.usersIn('nowhere')).toEqual([]);
    hub.leave(asPeer(a1));
    hub.leave(asPeer(a1));
    expect(hub.size).toBe(3);
    expect(hub.usersIn('r')).toEqual(['adam', 'zoe']);
  });

  test('presence: joins and leaves of one turn make one presenceDirty call per room, on a later turn', async () => {
    const { hub, join, dirty, presenceFlushed } = setup();
    const flushed = presenceFlushed();
    const a = join('alice', 'r1');
    join('bob', 'r1');
    join('carol', 'r2');
    hub.leave(asPeer(a));
    expect(dirty).toEqual([]);
    await flushed;
    expect(dirty).toEqual(['r1', 'r2']);
    const again = presenceFlushed();
    join('dave', 'r2');
    await again;
    expect(dirty).toEqual(['r1', 'r2', 'r2']);
  });

  test('presence: a room gets at most one presenceDirty call per interval; other rooms are not held back', async () => {
    const dirty: string[] = [];
    let flushed: () => void = () => undefined;
    // an interval far longer than the test: whatever changes after the first flush of a room waits
    const hub = new Hub({ presenceDirty: (room) => (dirty.push(room), flushed()), presenceIntervalMs: 3_600_000 });
    const joinTo = (user: string, room: string) => hub.join(asPeer(new RecordingPeer(user, room, true)));
    const nextFlush = () => new Promise<void>((resolve) => (flushed = resolve));
    let wait = nextFlush();
    joinTo('alice', 'big');
    await wait;
    expect(dirty).toEqual(['big']);
    // more joins to the same room over several turns: held for the rest of its interval
    for (const user of ['bob', 'carol', 'dave']) {
      joinTo(user, 'big');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(dirty).toEqual(['big']);
    // another room's first change goes out at once
    wait = nextFlush();
    joinTo('erin', 'small');
    await wait;
    expect(dirty).toEqual(['big', 'small']);
    expect(hub.usersIn('big')).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  test('presence: a change held for the interval is sent when it ends', async () => {
    const dirty: string[] = [];
    let flushed: () => void = () => undefined;
    const hub = new Hub({ presenceDirty: (room) => (dirty.push(room), flushed()), presenceIntervalMs: 20 });
    const nextFlush = () => new Promise<void>((resolve) => (flushed = resolve));
    let wait = nextFlush();
    hub.join(asPeer(new RecordingPeer('alice', 'r', true)));
    await wait;
    wait = nextFlush();
    hub.join(asPeer(new RecordingPeer('bob', 'r', true)));
    await wait;
    expect(dirty).toEqual(['r', 'r']);
  });

  test('sendPresence goes to the JSON peers of the room only, one shared frame', () => {
    const { hub, join } = setup();
    const plain = join('alice', 'r');
    const j1 = join('bob', 'r', true);
    const j2 = join('carol', 'r', true);
    const elsewhere = join('dave', 'other', true);
    hub.sendPresence('r', ['alice', 'bob', 'carol']);
    expect(plain.frames).toEqual([]);
    expect(elsewhere.frames).toEqual([]);
    expect(j1.frames[0]).toBe(j2.frames[0]);
    expect(JSON.parse(j1.texts[0]!)).toEqual({ type: 'presence', room: 'r', users: ['alice', 'bob', 'carol'] });
  });

  test('sendPresence: an unchanged list goes only to the peers that joined since; a changed one to everyone again', () => {
    const { hub, join } = setup();
    const bob = join('bob', 'r', true);
    const carol = join('carol', 'r', true);
    expect(hub.sendPresence('r', ['bob', 'carol'])).toBe(2);
    // bob's second tab: the list of names is the same, only the new socket needs it
    const bob2 = join('bob', 'r', true);
    expect(hub.sendPresence('r', ['bob', 'carol'])).toBe(1);
    expect(bob.frames).toHaveLength(1);
    expect(carol.frames).toHaveLength(1);
    expect(bob2.frames[0]).toBe(bob.frames[0]);
    // nothing new: nobody is sent anything
    expect(hub.sendPresence('r', ['bob', 'carol'])).toBe(0);
    // a change reaches everyone, the earlier joiners included
    join('dave', 'r', true);
    expect(hub.sendPresence('r', ['bob', 'carol', 'dave'])).toBe(4);
    expect(JSON.parse(carol.texts[1]!)).toEqual({ type: 'presence', room: 'r', users: ['bob', 'carol', 'dave'] });
    // and back to the first list: a change too (each peer's last frame is compared, not the first)
    expect(hub.sendPresence('r', ['bob', 'carol'])).toBe(4);
  });

  test('sendPresence: a room that emptied starts over; the list of another room is its own', () => {
    const { hub, join } = setup();
    const alice = join('alice', 'r', true);
    hub.sendPresence('r', ['alice']);
    hub.leave(asPeer(alice));
    const again = join('alice', 'r', true);
    expect(hub.sendPresence('r', ['alice'])).toBe(1);
    expect(again.frames).toHaveLength(1);
    const other = join('alice', 'other', true);
    expect(hub.sendPresence('other', ['alice'])).toBe(1);
    expect(JSON.parse(other.texts[0]!)).toMatchObject({ room: 'other' });
  });

  test('presenceInterval: the base up to 250 peers, one more base per started 250 beyond', () => {
    expect([0, 1, 250, 251, 500, 501, 1000, 2063].map((n) => presenceInterval(250, n))).toEqual([250, 250, 250, 500, 500, 750, 1000, 2250]);
  });

  test('presence: a big room waits longer between lists (the interval grows with its peers)', async () => {
    jest.useFakeTimers();
    try {
      const dirty: string[] = [];
      const hub = new Hub({ presenceDirty: (room) => void dirty.push(room), presenceIntervalMs: 100 });
      const joinTo = (user: string, room: string) => hub.join(asPeer(new RecordingPeer(user, room, true)));
      for (let i = 0; i < 300; i++) joinTo(`u${i}`, 'big');
      joinTo('solo', 'small');
      jest.advanceTimersByTime(1);
      expect(dirty).toEqual(['big', 'small']);
      joinTo('late', 'big');
      joinTo('late', 'small');
      // 300 peers: 2 × 100 ms between lists; the small room keeps 100 ms
      jest.advanceTimersByTime(150);
      expect(dirty).toEqual(['big', 'small', 'small']);
      jest.advanceTimersByTime(60);
      expect(dirty).toEqual(['big', 'small', 'small', 'big']);
    } finally {
      jest.useRealTimers();
    }
  });

  test('presence grace: a user whose last connection closed stays present for the grace, then the room is told', () => {
    jest.useFakeTimers();
    try {
      const dirty: string[] = [];
      const hub = new Hub({ presenceDirty: (room) => void dirty.push(room), presenceIntervalMs: 10, presenceGraceMs: 1000 });
      const peer = (user: string) => new RecordingPeer(user, 'r', true);
      const alice = peer('alice');
      const bob = peer('bob');
      const bob2 = peer('bob');
      for (const p of [alice, bob, bob2]) hub.join(asPeer(p));
      // one of bob's two tabs closes: he is still connected, nothing departs
      hub.leave(asPeer(bob));
      expect(hub.usersIn('r')).toEqual(['alice', 'bob']);
      // his last one closes: no longer connected, still present
      hub.leave(asPeer(bob2));
      expect(hub.usersIn('r')).toEqual(['alice']);
      expect(hub.presentUsers('r')).toEqual(['alice', 'bob']);
      // back within the grace: the expiry that was set does nothing
      jest.advanceTimersByTime(500);
      const back = peer('bob');
      hub.join(asPeer(back));
      jest.advanceTimersByTime(2000);
      expect(hub.presentUsers('r')).toEqual(['alice', 'bob']);
      // gone for good: present until the grace ends, then the room's presence is marked changed
      hub.leave(asPeer(back));
      jest.advanceTimersByTime(999);
      expect(hub.presentUsers('r')).toEqual(['alice', 'bob']);
      const before = dirty.length;
      jest.advanceTimersByTime(20);
      expect(hub.presentUsers('r')).toEqual(['alice']);
      expect(dirty.length).toBe(before + 1);
      // the last user of a room departs: the room is empty but keeps its departed user for the grace
      hub.leave(asPeer(alice));
      expect(hub.presentUsers('r')).toEqual(['alice']);
      jest.advanceTimersByTime(1001);
      expect(hub.presentUsers('r')).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('presence grace 0 (the default): a departure shows at once', () => {
    const { hub, join } = setup();
    const alice = join('alice', 'r', true);
    join('bob', 'r', true);
    hub.leave(asPeer(alice));
    expect(hub.presentUsers('r')).toEqual(['bob']);
  });
});
