// The browser UI's catch-up (app/public/js/catch-up.js) driven by a real capped replay: a real ws client reads
// the replay and its `replay` event, then the module (an ES module for the browser, run in a child Node process)
// pages the hole the event names over the real history API. Together they hold every message exactly once.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_REPLAY } from '../src/ws/gateway';
import { connect, type ChatClient } from './helpers/client';
import { register, startServer, type TestServer } from './helpers/server';

let t: TestServer;
let token: string;
const open: ChatClient[] = [];

beforeAll(async () => {
  t = await startServer();
  token = (await register(t.url, 'carol')).token;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
afterAll(() => t.close());

/** Runs catchUp(readPage over the history API, lastId, { before: nextBefore, maxPages }) in a child Node process. */
async function catchUpInModule(room: string, lastId: number, nextBefore: number, maxPages: number): Promise<{ ids: number[]; complete: boolean; requests: number[] }> {
  const moduleUrl = pathToFileURL(path.resolve(__dirname, '../public/js/catch-up.js')).href;
  const script = `
    const { catchUp, CATCH_UP_PAGE } = await import(${JSON.stringify(moduleUrl)});
    const requests = [];
    const readPage = async (before) => {
      requests.push(before);
      const res = await fetch(${JSON.stringify(`${t.url}/api/messages/${room}`)} + '?before=' + before + '&limit=' + CATCH_UP_PAGE);
      return [...(await res.json()).messages].reverse();
    };
    const { messages, complete } = await catchUp(readPage, ${lastId}, { before: ${nextBefore}, maxPages: ${maxPages} });
    console.log(JSON.stringify({ ids: messages.map((m) => m.id), complete, requests }));
  `;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), timeout: 20000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    ),
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

test('an incomplete replay plus the catch-up of its hole is every message after since, each once, in order', async () => {
  await t.server.store.createRoom('away');
  const all = await t.server.store.insertMessages(
    Array.from({ length: MAX_REPLAY + 450 }, (_, i) => ({ room: 'away', user: 'bot', text: `m${i}`, createdAt: new Date().toISOString() })),
  );
  const since = all[9]!;
  const client = await connect(t.wsUrl, 'away', { token, json: true, since });
  open.push(client);
  const signal = await client.waitForEvent((e) => e.type === 'replay');
  expect(signal.complete).toBe(false);
  const replayed = client.events().filter((e) => e.type === 'message').map((e) => e.id as number);

  const hole = await catchUpInModule('away', signal.last_id, signal.next_before, 10);
  expect(hole.complete).toBe(true);
  // the first request starts at the hole's upper bound, not at the newest page
  expect(hole.requests[0]).toBe(signal.next_before);
  expect([...replayed, ...hole.ids]).toEqual(all.slice(10));

  // bounded: with one page the module says it could not reach last_id, and holds the newest part of the hole
  const partial = await catchUpInModule('away', signal.last_id, signal.next_before, 1);
  expect(partial.complete).toBe(false);
  expect(partial.ids).toEqual(all.slice(-200));
});
