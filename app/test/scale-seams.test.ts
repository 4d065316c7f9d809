// The seams that let Shagram run as several replicas, exercised on the embedded engines:
// an asynchronous `since` replay racing live messages, a commit or publish that fails, and a
// fan-out that is lost and comes back. The real SQLite store and the real in-process fan-out
// are wrapped (not replaced) so that the timing a networked engine has can be forced.
import { openDatabase } from '../src/db/database';
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

/** The real SQLite store whose `since` reads can be held before or after the query runs. */
class HeldSqliteStore extends SqliteStore {
  hold: { when: 'before-query' | 'after-query'; gate: Promise<void>; reached: () => void } | undefined;
  failCommits = false;
  /** When set, the next room check waits for this gate (as a database round trip would). */
  holdRoomCheck: Promise<void> | undefined;

  override async roomExists(name: string): Promise<boolean> {
    const hold = this.holdRoomCheck;
    this.holdRoomCheck = undefined;
    if (hold) await hold;
    return super.roomExists(name);
  }

  override async since(room: string, since: number, limit: number): Promise<StoredMessage[]> {
    const hold = this.hold;
    this.hold = undefined;
    if (hold?.when === 'before-query') {
      hold.reached();
      await hold.gate;
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

  override get available(): boolean {
    return this.up;
  }

  override async start(sink: FanOutSink): Promise<void> {
    this.target = sink;
    await super.start(sink);
  }

  override async publish(messages: readonly StoredMessage[]): Promise<void> {
    if (this.failPublishes) throw new Error('fan-out unreachable (test)');
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
