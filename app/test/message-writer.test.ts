/**
 * MessageWriter (group commit) on a real SQLite store and the real in-process fan-out: one transaction per batch,
 * one commit in flight, nothing published before its commit, and the senders told when a batch fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatStore, StoredMessage } from '../src/db/chat-store';
import { openDatabase } from '../src/db/sqlite-database';
import { SqliteStore } from '../src/db/sqlite-store';
import type { FanOut, FanOutSink } from '../src/fanout/fan-out';
import { LocalFanOut } from '../src/fanout/local-fan-out';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { MessageWriter } from '../src/ws/message-writer';
import type { Peer } from '../src/ws/peer';
import type { TextFrame } from '../src/ws/text-frame';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

/** A sender as the writer sees it: room, user, mode, and the error frames it is sent. */
class Sender {
  readonly received: string[] = [];
  constructor(
    readonly user: string,
    readonly room: string,
    readonly json: boolean,
  ) {}
  send(frame: TextFrame): void {
    this.received.push(frame.payload.toString());
  }
}
const asPeer = (sender: Sender) => sender as unknown as Peer;

let dir: string;
let store: SqliteStore;
let metrics: Metrics;
/** Every batch the fan-out delivered, with what the database held at that moment. */
let delivered: Array<{ messages: StoredMessage[]; storedThen: number }>;
let fanOut: LocalFanOut;

async function counter(name: 'messagesStored'): Promise<number> {
  return (await metrics[name].get()).values[0]?.value ?? 0;
}

async function histogramCount(name: 'commitBatchSize' | 'fanoutSeconds'): Promise<{ count: number; sum: number }> {
  const values = (await metrics[name].get()).values;
  return {
    count: values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
    sum: values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0,
  };
}

function rowsInDatabase(): number {
  const file = path.join(dir, 'shagram.db');
  const db = openDatabase(file, MIGRATIONS);
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-writer-'));
  store = new SqliteStore(openDatabase(path.join(dir, 'shagram.db'), MIGRATIONS));
  metrics = new Metrics();
  delivered = [];
  fanOut = new LocalFanOut();
  const sink: FanOutSink = {
    // Read through a second connection: what another process would see, i.e. what is committed.
    deliver: (messages) => delivered.push({ messages: [...messages], storedThen: rowsInDatabase() }),
    presence: () => undefined,
    localUsers: () => [],
    localRooms: () => [],
    availability: () => undefined,
  };
  await fanOut.start(sink);
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

const writerWith = (s: ChatStore, f: FanOut) => new MessageWriter(s, f, metrics, createLogger('silent'));

describe('MessageWriter', () => {
  test('messages of one turn are one transaction, published once, after the commit, with their database ids', async () => {
    const writer = writerWith(store, fanOut);
    const alice = new Sender('alice', 'general', true);
    const bob = new Sender('bob', 'dev', false);
    writer.enqueue(asPeer(alice), 'one');
    writer.enqueue(asPeer(bob), 'two');
    writer.enqueue(asPeer(alice), 'three');
    expect(delivered).toEqual([]);
    await writer.drain();

    expect(delivered).toHaveLength(1);
    const [batch] = delivered;
    expect(batch!.storedThen).toBe(3); // committed and visible to another connection before it was published
    expect(batch!.messages.map((m) => [m.room_id, m.user, m.text])).toEqual([
      ['general', 'alice', 'one'],
      ['dev', 'bob', 'two'],
      ['general', 'alice', 'three'],
    ]);
    const ids = batch!.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(await store.since('general', 0, 10)).toEqual(batch!.messages.filter((m) => m.room_id === 'general'));
    expect(await counter('messagesStored')).toBe(3);
    expect(await histogramCount('commitBatchSize')).toEqual({ count: 1, sum: 3 });
    expect((await histogramCount('fanoutSeconds')).count).toBe(3);
    expect(alice.received).toEqual([]);
  });

  test('one commit in flight: what arrives meanwhile waits for it and forms the next batch, in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstPublishStarted!: () => void;
    const publishing = new Promise<void>((resolve) => (firstPublishStarted = resolve));
    let publishes = 0;
    const slowFanOut: FanOut = {
      kind: 'local',
      available: true,
      start: async () => undefined,
      presenceChanged: () => undefined,
      close: async () => undefined,
      publish: async (messages) => {
        publishes++;
        if (publishes === 1) {
          firstPublishStarted();
          await gate;
        }
        await fanOut.publish(messages);
      },
    };
    const writer = writerWith(store, slowFanOut);
    const alice = new Sender('alice', 'general', false);
    writer.enqueue(asPeer(alice), 'a');
    writer.enqueue(asPeer(alice), 'b');
    await publishing;
    writer.enqueue(asPeer(alice), 'c');
    writer.enqueue(asPeer(alice), 'd');
    // Turns pass while the first batch is in flight: the second is not committed meanwhile.
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rowsInDatabase()).toBe(2);
    release();
    await writer.drain();
    expect(delivered.map((d) => d.messages.map((m) => m.text))).toEqual([['a', 'b'], ['c', 'd']]);
    expect(await histogramCount('commitBatchSize')).toEqual({ count: 2, sum: 4 });
  });

  test('a failed commit publishes nothing and tells JSON senders it was not stored', async () => {
    const writer = writerWith(store, fanOut);
    await store.close(); // every write now fails, as a database that refuses writes would
    const json = new Sender('alice', 'general', true);
    const plain = new Sender('bob', 'general', false);
    writer.enqueue(asPeer(json), 'lost');
    writer.enqueue(asPeer(plain), 'lost too');
    await writer.drain();
    expect(delivered).toEqual([]);
    expect(json.received.map((text) => JSON.parse(text))).toEqual([
      { type: 'error', code: 'unavailable', message: 'the message could not be stored; please send it again' },
    ]);
    expect(plain.received).toEqual([]);
    expect(await counter('messagesStored')).toBe(0);
  });

  test('a committed batch that could not be published stays stored, and its JSON senders are told', async () => {
    const failingFanOut: FanOut = {
      kind: 'redis',
      available: true,
      start: async () => undefined,
      presenceChanged: () => undefined,
      close: async () => undefined,
      publish: async () => {
        throw new Error('publish failed');
      },
    };
    const writer = writerWith(store, failingFanOut);
    const json = new Sender('alice', 'general', true);
    writer.enqueue(asPeer(json), 'kept');
    await writer.drain();
    expect((await store.since('general', 0, 10)).map((m) => m.text)).toEqual(['kept']);
    expect(json.received.map((text) => JSON.parse(text).message)).toEqual([
      'the message was stored but live delivery is interrupted; it will be replayed when you reconnect',
    ]);
    expect(await counter('messagesStored')).toBe(1);
  });

  test('drain with nothing queued returns at once; the writer keeps working after a drain', async () => {
    const writer = writerWith(store, fanOut);
    await writer.drain();
    writer.enqueue(asPeer(new Sender('alice', 'general', false)), 'after');
    await writer.drain();
    expect(delivered.map((d) => d.messages.map((m) => m.text))).toEqual([['after']]);
  });
});
