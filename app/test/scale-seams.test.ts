// The seams that let Shagram run as several replicas, exercised on the embedded engines:
// an asynchronous `since` replay racing live messages, a commit or publish that fails, and a
// fan-out that is lost and comes back. The real SQLite store and the real in-process fan-out
// are wrapped (not replaced) so that the timing a networked engine has can be forced.
import { openDatabase } from '../src/db/sqlite-database';
import { SqliteStore } from '../src/db/sqlite-store';
import type { AfterCommit, NewMessage, StoredMessage } from '../src/db/chat-store';
import { LocalFanOut } from '../src/fanout/local-fan-out';
import type { FanOutSink } from '../src/fanout/fan-out';
import { HistoryCache } from '../src/http/history-cache';
import { CLOSE_FANOUT_LOST } from '../src/ws/gateway';
import { connect, refusedStatus, type ChatClient } from './helpers/client';
import { getJson, register, startServer, tempDir, type TestServer } from './helpers/server';
import path from 'node:path';

/** A promise with its resolver, to hold an engine call until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The real SQLite store whose `since` reads can be held before or after the query runs (and then fail). */
class HeldSqliteStore extends SqliteStore {
  hold: { when: 'before-query' | 'after-query'; gate: Promise<void>; reached: () => void; fail?: boolean } | undefined;
  failCommits = false;
  /** When set, the next room check waits for this gate (as a database round trip would). */
  holdRoomCheck: Promise<void> | undefined;
  /** Called when a room check starts waiting for {@link holdRoomCheck}. */
  roomCheckHeld: (() => void) | undefined;

  override async roomExists(name: string): Promise<boolean> {
    const hold = this.holdRoomCheck;
    this.holdRoomCheck = undefined;
    if (hold) {
      this.roomCheckHeld?.();
      this.roomCheckHeld = undefined;
      await hold;
    }
    return super.roomExists(name);
  }

  override async since(room: string, since: number, limit: number): Promise<StoredMessage[]> {
    const hold = this.hold;
    this.hold = undefined;
    if (hold?.when === 'before-query') {
      hold.reached();
      await hold.gate;
      if (hold.fail) throw new Error('connection terminated (test)');
    }
    const rows = await super.since(room, since, limit);
    if (hold?.when === 'after-query') {
      hold.reached();
      await hold.gate;
    }
    return rows;
  }

  override async insertMessages(batch: readonly NewMessage[], afterCommit?: AfterCommit): Promise<number[]> {
    if (this.failCommits) throw new Error('disk I/O error (test)');
    return super.insertMessages(batch, afterCommit);
  }
}

/** The real in-process fan-out with a switch that makes it unavailable, as a lost Redis is. */
class SwitchableFanOut extends LocalFanOut {
  private up = true;
  private target: FanOutSink | undefined;
  failPublishes = false;
  /** When set, publishes wait for it before delivering (a PUBLISH still on its way through Redis). */
  holdDelivery: Promise<void> | undefined;

  override get available(): boolean {
    return this.up;
  }

  override async start(sink: FanOutSink): Promise<void> {
    this.target = sink;
    await super.start(sink);
  }

  override async publish(messages: readonly StoredMessage[]): Promise<void> {
    if (this.failPublishes) throw new Error('fan-out unreachable (test)');
    if (this.holdDelivery) await this.holdDelivery;
    await super.publish(messages);
  }

  /** Loses (`false`) or restores (`true`) the fan-out, telling the server as Redis would. */
  set(up: boolean): void {
    this.up = up;
    this.target?.availability(up);
  }
}

let t: TestServer;
let store: HeldSqliteStore;
let fanOut: SwitchableFanOut;
let alice: { username: string; token: string };
let bob: { username: string; token: string };
const open: ChatClient[] = [];

async function join(room: string, token: string, since?: number): Promise<ChatClient> {
  // Joining never creates a room: each test's room is made here (a no-op for one that exists).
  await store.createRoom(room);
  const client = await connect(t.wsUrl, room, { token, json: true, since });
  open.push(client);
  return client;
}

function messageTexts(client: ChatClient): string[] {
  return client.events().filter((event) => event.type === 'message').map((event) => event.text);
}

beforeAll(async () => {
  const dir = tempDir();
  t = await startServer({ MESSAGE_RATE_LIMIT: '1000/10' }, dir, (config) => {
    store = new HeldSqliteStore(openDatabase(path.join(dir, 'held.db'), config.migrationsDir));
    fanOut = new SwitchableFanOut();
    return { store, fanOut };
  });
  alice = await register(t.url, 'alice');
  bob = await register(t.url, 'bob');
});
afterEach(async () => {
  store.failCommits = false;
  fanOut.failPublishes = false;
  fanOut.holdDelivery = undefined;
  if (!fanOut.available) fanOut.set(true);
  await Promise.all(open.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

describe('since replay racing live messages', () => {
  test.each(['before-query', 'after-query'] as const)(
    'messages committed while the replay is read (%s) arrive once each, in order',
    async (when) => {
      const room = `race-${when}`;
      const sender = await join(room, alice.token);
      sender.send('old-1');
      sender.send('old-2');
      await sender.waitForEvent((event) => event.type === 'message' && event.text === 'old-2');
      const firstId = sender.events().find((event) => event.type === 'message').id as number;

      const held = gate();
      const reached = gate();
      store.hold = { when, gate: held.promise, reached: reached.open };
      const pending = join(room, bob.token, firstId - 1);
      await reached.promise; // bob has joined and his replay read is held
      sender.send('live-1');
      sender.send('live-2');
      await sender.waitForEvent((event) => event.type === 'message' && event.text === 'live-2');
      held.open();
      const late = await pending;
      await late.waitForEvent((event) => event.type === 'message' && event.text === 'live-2');
      sender.send('after');
      await late.waitForEvent((event) => event.type === 'message' && event.text === 'after');
      expect(messageTexts(late)).toEqual(['old-1', 'old-2', 'live-1', 'live-2', 'after']);
      const ids = late.events().filter((event) => event.type === 'message').map((event) => event.id as number);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    },
  );
});

/** Resolves once the room's history (read past the cache) holds `text`: its commit happened. */
async function committed(room: string, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const page = await getJson(`${t.url}/api/messages/${room}?limit=50`);
    if (page.status === 200 && page.body.messages.some((m: { text: string }) => m.text === text)) return;
    if (Date.now() > deadline) throw new Error(`"${text}" was never committed in ${room}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('since replay handing over to live delivery', () => {
  test('a message committed before the replay read but delivered by the fan-out after the replay ended arrives once', async () => {
    // With Redis, a commit becomes visible to every replica's replay before its PUBLISH has gone
    // through Redis: the replay carries it, and then the fan-out delivers it live as well.
    const room = 'handover';
    const sender = await join(room, alice.token);
    sender.send('old');
    const old = await sender.waitForEvent((event) => event.type === 'message' && event.text === 'old');
    const held = gate();
    fanOut.holdDelivery = held.promise;
    sender.send('in flight');
    await committed(room, 'in flight');
    const late = await join(room, bob.token, old.id);
    await late.waitForEvent((event) => event.type === 'message' && event.text === 'in flight'); // from the replay
    fanOut.holdDelivery = undefined;
    held.open(); // the fan-out delivers it now, after the replay ended
    await sender.waitForEvent((event) => event.type === 'message' && event.text === 'in flight');
    sender.send('after');
    await late.waitForEvent((event) => event.type === 'message' && event.text === 'after');
    expect(messageTexts(late)).toEqual(['in flight', 'after']);
    expect(messageTexts(sender)).toEqual(['old', 'in flight', 'after']);
  });

  test('a fan-out that delivers a batch twice does not make a peer receive it twice', async () => {
    const room = 'twice';
    const a = await join(room, alice.token);
    a.send('once');
    const first = await a.waitForEvent((event) => event.type === 'message' && event.text === 'once');
    const sink = (fanOut as unknown as { target: FanOutSink }).target;
    sink.deliver([{ id: first.id, room_id: room, user: alice.username, text: 'once', created_at: first.created_at }]);
    a.send('next');
    await a.waitForEvent((event) => event.type === 'message' && event.text === 'next');
    expect(messageTexts(a)).toEqual(['once', 'next']);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^shagram_ws_duplicates_skipped_total [1-9]/m);
  });

  test('a message whose room had a committed message that never arrived here closes the room\'s sockets (1012) before it is sent; their replay has both once', async () => {
    // PostgreSQL gives each message the room's previous committed id (prev). A writer that died between its
    // commit and its publish leaves a message that no replica delivered live: the next one reveals it.
    const room = 'gap';
    const a = await join(room, alice.token);
    const other = await join('gap-elsewhere', bob.token);
    a.send('delivered');
    const delivered = await a.waitForEvent((event) => event.type === 'message' && event.text === 'delivered');
    // Stored by a writer that "crashed" before publishing: committed, never delivered.
    const [lostId] = await store.insertMessages([{ room, user: alice.username, text: 'never published', createdAt: new Date().toISOString() }]);
    const [nextId] = await store.insertMessages([{ room, user: alice.username, text: 'revealing', createdAt: new Date().toISOString() }]);
    const sink = (fanOut as unknown as { target: FanOutSink }).target;
    sink.deliver([{ id: nextId!, room_id: room, user: alice.username, text: 'revealing', created_at: new Date().toISOString(), prev: lostId! }]);
    expect((await a.closed).code).toBe(CLOSE_FANOUT_LOST);
    expect(messageTexts(a)).toEqual(['delivered']);
    const again = await join(room, alice.token, delivered.id);
    await again.waitForEvent((event) => event.type === 'message' && event.text === 'revealing');
    expect(messageTexts(again)).toEqual(['never published', 'revealing']);
    // A message whose prev is the last one delivered is a continuation: nothing is closed.
    again.send('live');
    const live = await again.waitForEvent((event) => event.type === 'message' && event.text === 'live');
    sink.deliver([{ id: live.id + 1000, room_id: room, user: alice.username, text: 'continues', created_at: new Date().toISOString(), prev: live.id }]);
    await again.waitForEvent((event) => event.type === 'message' && event.text === 'continues');
    expect(again.ws.readyState).toBe(again.ws.OPEN);
    expect(other.ws.readyState).toBe(other.ws.OPEN); // other rooms are not touched
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^shagram_delivery_gaps_total 1$/m);
  });

  test('a replay that fails sends nothing, not even the live messages held meanwhile, and the same since works again', async () => {
    // Sending the held live messages after a failed replay would put ids after a hole into the
    // client's ledger: its next since would skip the hole for good.
    const room = 'replay-fails';
    const sender = await join(room, alice.token);
    sender.send('before');
    const before = await sender.waitForEvent((event) => event.type === 'message' && event.text === 'before');
    sender.send('missed');
    await sender.waitForEvent((event) => event.type === 'message' && event.text === 'missed');
    const held = gate();
    const reached = gate();
    store.hold = { when: 'before-query', gate: held.promise, reached: reached.open, fail: true };
    const late = await join(room, bob.token, before.id);
    await reached.promise;
    sender.send('live while replaying');
    await sender.waitForEvent((event) => event.type === 'message' && event.text === 'live while replaying');
    held.open();
    expect((await late.closed).code).toBe(1011);
    expect(messageTexts(late)).toEqual([]);
    const again = await join(room, bob.token, before.id);
    sender.send('after');
    await again.waitForEvent((event) => event.type === 'message' && event.text === 'after');
    expect(messageTexts(again)).toEqual(['missed', 'live while replaying', 'after']);
  });
});

describe('a slow join', () => {
  test('the handshake completes only once the room exists: a message sent right after open reaches every client that is open', async () => {
    const held = gate();
    store.holdRoomCheck = held.promise;
    let opened = false;
    const first = join('slow-join', alice.token).then((client) => {
      opened = true;
      return client;
    });
    const second = join('slow-join', bob.token); // checks the room too (not cached until the first check ends)
    // The upgrade is parked while the room is checked: a round trip on another request proves the
    // server has seen both upgrades and still not answered the held one.
    expect((await getJson(`${t.url}/healthz`)).status).toBe(200);
    expect(opened).toBe(false);
    held.open();
    const [a, b] = await Promise.all([first, second]);
    a.send('right after open');
    await b.waitForEvent((event) => event.type === 'message' && event.text === 'right after open');
    await a.waitForEvent((event) => event.type === 'message' && event.text === 'right after open');
  });
});

describe('failures on the way out', () => {
  test('a failed commit tells the sender the message was not stored, and nobody receives it', async () => {
    const a = await join('commit-fail', alice.token);
    const b = await join('commit-fail', bob.token);
    store.failCommits = true;
    a.send('lost?');
    const error = await a.waitForEvent((event) => event.type === 'error');
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/could not be stored/) });
    store.failCommits = false;
    b.send('still works');
    await a.waitForEvent((event) => event.type === 'message' && event.text === 'still works');
    expect(messageTexts(a)).toEqual(['still works']);
    expect((await getJson(`${t.url}/api/messages/commit-fail`)).body.messages.map((m: { text: string }) => m.text)).toEqual(['still works']);
  });

  test('a failed publish tells the sender it was stored, and a reconnect with since replays it', async () => {
    const a = await join('publish-fail', alice.token);
    a.send('first');
    const first = await a.waitForEvent((event) => event.type === 'message');
    fanOut.failPublishes = true;
    a.send('stored, not delivered');
    const error = await a.waitForEvent((event) => event.type === 'error');
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/stored but live delivery is interrupted/) });
    fanOut.failPublishes = false;
    const again = await join('publish-fail', alice.token, first.id);
    const replayed = await again.waitForEvent((event) => event.type === 'message');
    expect(replayed.text).toBe('stored, not delivered');
  });
});

describe('losing the fan-out', () => {
  test('an upgrade whose room check outlasts the fan-out is refused with 503, not joined to a replica that misses messages', async () => {
    const held = gate();
    const parked = gate();
    store.holdRoomCheck = held.promise;
    store.roomCheckHeld = parked.open;
    await store.createRoom('lost-while-joining');
    const status = refusedStatus(t.wsUrl, 'lost-while-joining', { token: alice.token, json: true });
    await parked.promise; // the upgrade passed the availability check and waits for its room
    fanOut.set(false);
    held.open();
    expect(await status).toBe(503);
    fanOut.set(true);
    const b = await join('lost-while-joining', bob.token);
    b.send('back');
    await b.waitForEvent((event) => event.type === 'message' && event.text === 'back');
  });

  test('sockets close with 1012, /readyz and upgrades answer 503, and both recover when it is back', async () => {
    const a = await join('outage', alice.token);
    fanOut.set(false);
    expect((await a.closed).code).toBe(CLOSE_FANOUT_LOST);
    const ready = await getJson(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatch(/fan-out \(local\) is unreachable/);
    expect(await refusedStatus(t.wsUrl, 'outage', { token: alice.token })).toBe(503);
    fanOut.set(true);
    expect((await getJson(`${t.url}/readyz`)).body).toEqual({ status: 'ready', database: 'sqlite', fanout: 'local' });
    const b = await join('outage', bob.token);
    b.send('back');
    await b.waitForEvent((event) => event.type === 'message' && event.text === 'back');
  });
});

describe('history cache', () => {
  test('a page read before an invalidation is not cached; one read after is', () => {
    const cache = new HistoryCache();
    const stale = cache.stamp('r');
    cache.invalidate(['r']);
    cache.set('r', Buffer.from('stale'), stale);
    expect(cache.get('r')).toBeUndefined();
    const fresh = cache.stamp('r');
    cache.set('r', Buffer.from('fresh'), fresh);
    expect(cache.get('r')?.toString()).toBe('fresh');
    cache.invalidate(['other']);
    expect(cache.get('r')?.toString()).toBe('fresh');
    const beforeClear = cache.stamp('r');
    cache.clear();
    expect(cache.get('r')).toBeUndefined();
    cache.set('r', Buffer.from('stale'), beforeClear);
    expect(cache.get('r')).toBeUndefined();
  });
});
