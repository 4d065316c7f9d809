import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { connect, type ChatClient } from '../helpers/client';
import { expectClean, launchBrowser, openWatchedPage, RESULTS_DIR, type WatchedPage } from './browser';
import { UiServer } from './server';
import { eventually, messagesWithText, registerInUi, sendInUi, shownTexts, waitConnected, waitForMessage, waitUntilBackedOff, WAIT_MS } from './chat-page';

// The chat UI in a real Chromium against the real server. The tests run in order and build on
// each other: alice and bob register in the first one and keep talking in the later ones.

// A browser test takes seconds, not jest's default 5 (the per-project testTimeout is not applied).
jest.setTimeout(60_000);

// Every run has its own fresh database, so plain names are free.
const ALICE = 'alice';
const BOB = 'bob';
const ALICE_TZ = 'Asia/Kolkata';
const BOB_TZ = 'America/New_York';

let server: UiServer;
let browser: Browser;
let alice: WatchedPage;
let bob: WatchedPage;

/** `HH:MM` of an instant in a time zone, computed outside the browser. */
function localHhMm(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** A clean page: no console errors, no uncaught exceptions, no CSP violations, no failed requests. */

beforeAll(async () => {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  server = await UiServer.start();
  browser = await launchBrowser();
  alice = await openWatchedPage(browser, { timezoneId: ALICE_TZ, viewport: { width: 1100, height: 720 } });
  bob = await openWatchedPage(browser, { timezoneId: BOB_TZ, viewport: { width: 1100, height: 720 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

test('two people register, join the same room and exchange messages both ways', async () => {
  await alice.page.goto(`${server.origin}/`);
  await bob.page.goto(`${server.origin}/`);
  await registerInUi(alice.page, ALICE);
  await registerInUi(bob.page, BOB);

  for (const { page } of [alice, bob]) {
    await expect(page.locator('#room-title').textContent()).resolves.toBe('#general');
    await expect(page.locator('#account-name').textContent()).resolves.toBe(page === alice.page ? ALICE : BOB);
  }
  // presence: each sees both names
  for (const { page } of [alice, bob]) {
    await expect(eventually(() => page.locator('#presence-list li > span:nth-child(2)').allTextContents(), [ALICE, BOB].sort())).resolves.toEqual(
      [ALICE, BOB].sort(),
    );
  }

  await sendInUi(alice.page, 'hello bob, how are you?');
  await waitForMessage(bob.page, 'hello bob, how are you?');
  await sendInUi(bob.page, 'fine, thanks alice');
  await waitForMessage(alice.page, 'fine, thanks alice');
  await sendInUi(alice.page, 'line one\nline two');
  await waitForMessage(bob.page, 'line one\nline two');

  const expected = ['hello bob, how are you?', 'fine, thanks alice', 'line one\nline two'];
  await expect(eventually(() => shownTexts(alice.page), expected)).resolves.toEqual(expected);
  await expect(eventually(() => shownTexts(bob.page), expected)).resolves.toEqual(expected);

  // own messages are marked, the other person's are not
  const aliceOwn = messagesWithText(alice.page, 'hello bob, how are you?');
  await expect(aliceOwn.getAttribute('class')).resolves.toContain('own');
  await expect(aliceOwn.locator('.own-tag').textContent()).resolves.toBe('(you)');
  await expect(messagesWithText(alice.page, 'fine, thanks alice').getAttribute('class')).resolves.toBe('message');
  await expect(messagesWithText(bob.page, 'fine, thanks alice').getAttribute('class')).resolves.toContain('own');
  await expect(messagesWithText(bob.page, 'fine, thanks alice').locator('.message-user').textContent()).resolves.toBe(BOB);

  // timestamps in each reader's own time zone
  const time = messagesWithText(alice.page, 'fine, thanks alice').locator('time');
  const iso = (await time.getAttribute('datetime'))!;
  expect(Number.isNaN(Date.parse(iso))).toBe(false);
  await expect(time.textContent()).resolves.toBe(localHhMm(iso, ALICE_TZ));
  await expect(messagesWithText(bob.page, 'fine, thanks alice').locator('time').textContent()).resolves.toBe(localHhMm(iso, BOB_TZ));
  expect(localHhMm(iso, ALICE_TZ)).not.toBe(localHhMm(iso, BOB_TZ));

  await alice.page.screenshot({ path: path.join(RESULTS_DIR, 'chat-two-people.png') });
  expectClean(alice);
  expectClean(bob);
});

test('the composer counts characters, caps input at 4000 and does not send blank text', async () => {
  const box = alice.page.getByRole('textbox', { name: 'Message' });
  await box.fill('héllo');
  await expect(alice.page.locator('#composer-count').textContent()).resolves.toBe('5 / 4000');
  await box.fill('x'.repeat(4100));
  await expect(box.inputValue()).resolves.toHaveLength(4000);
  await expect(alice.page.locator('#composer-count').textContent()).resolves.toBe('4000 / 4000');
  await box.fill('   ');
  await box.press('Enter');
  await box.fill('shift+enter makes');
  await box.press('Shift+Enter');
  await box.pressSequentially('two lines');
  await expect(box.inputValue()).resolves.toBe('shift+enter makes\ntwo lines');
  await box.press('Enter');
  await waitForMessage(bob.page, 'shift+enter makes\ntwo lines');
  await expect(box.inputValue()).resolves.toBe('');
  await expect(alice.page.locator('#composer-count').textContent()).resolves.toBe('0 / 4000');
  // the blank message was never sent: bob's last message is the two-line one
  const texts = await shownTexts(bob.page);
  expect(texts[texts.length - 1]).toBe('shift+enter makes\ntwo lines');
  expect(texts).not.toContain('');
  expectClean(alice);
});

test('a message with HTML renders literally as text', async () => {
  const payload = '<img src=x onerror=alert(1)>';
  await sendInUi(bob.page, payload);
  for (const { page } of [alice, bob]) {
    const item = await waitForMessage(page, payload);
    await expect(item.locator('.message-text').textContent()).resolves.toBe(payload);
    await expect(page.locator('#messages img').count()).resolves.toBe(0);
  }
  expectClean(alice); // includes: no alert dialog, no request for "x" blocked by CSP
  expectClean(bob);
});

test('reload keeps the session and shows the history, oldest first, each message once', async () => {
  const before = await shownTexts(alice.page);
  expect(before.length).toBeGreaterThanOrEqual(5);
  await alice.page.reload();
  await waitConnected(alice.page);
  await expect(alice.page.locator('#auth-view').isHidden()).resolves.toBe(true);
  await expect(alice.page.locator('#account-name').textContent()).resolves.toBe(ALICE);
  await expect(eventually(() => shownTexts(alice.page), before)).resolves.toEqual(before);
  expect(before[0]).toBe('hello bob, how are you?');
  expectClean(alice);
});

test('switching rooms isolates conversations', async () => {
  const side = 'side-talk';
  await alice.page.locator('#room-form').getByLabel('New room').fill(side);
  await alice.page.getByRole('button', { name: 'Create' }).click();
  await alice.page.waitForURL(`**/#${side}`, { timeout: WAIT_MS });
  await waitConnected(alice.page);
  await expect(alice.page.locator('#room-title').textContent()).resolves.toBe(`#${side}`);
  await expect(alice.page.locator('#messages li').count()).resolves.toBe(0);
  await sendInUi(alice.page, 'only in the side room');
  await waitForMessage(alice.page, 'only in the side room');

  // bob, still in #general, gets a later general message but never the side-room one
  await sendInUi(bob.page, 'back in general');
  await waitForMessage(bob.page, 'back in general');
  await expect(messagesWithText(bob.page, 'only in the side room').count()).resolves.toBe(0);
  // bob sees the new room in the list after a reload of his room list and can go there
  await bob.page.reload();
  await waitConnected(bob.page);
  await bob.page.getByRole('link', { name: `#${side}` }).click();
  await waitForMessage(bob.page, 'only in the side room');
  await expect(bob.page.locator('#room-title').textContent()).resolves.toBe(`#${side}`);
  await expect(messagesWithText(bob.page, 'back in general').count()).resolves.toBe(0);

  // alice goes back to #general by keyboard: the side-room message is not there
  const general = alice.page.getByRole('link', { name: '#general' });
  await general.focus();
  await general.press('Enter');
  await waitConnected(alice.page);
  await waitForMessage(alice.page, 'back in general');
  await expect(messagesWithText(alice.page, 'only in the side room').count()).resolves.toBe(0);
  await expect(alice.page.locator('#room-list [aria-current="page"]').textContent()).resolves.toBe('#general');

  // a live message in #general does not reach bob in the side room
  await sendInUi(alice.page, 'general only, again');
  await sendInUi(bob.page, 'side only, again');
  await waitForMessage(alice.page, 'general only, again');
  await waitForMessage(bob.page, 'side only, again');
  await expect(messagesWithText(bob.page, 'general only, again').count()).resolves.toBe(0);
  await expect(messagesWithText(alice.page, 'side only, again').count()).resolves.toBe(0);
  expectClean(alice);
  expectClean(bob);
});

test('after a server restart the page reconnects and shows what it missed exactly once', async () => {
  await bob.context.close(); // only alice's page and a plain ws client from here on
  await waitConnected(alice.page);
  // (page functions are strings: this lane's tsconfig has no DOM types)
  await expect(alice.page.evaluate<string>(`JSON.parse(sessionStorage.getItem('shagram.session')).username`)).resolves.toBe(ALICE);

  const carol = await registerClient('carol'); // before the restart: the token outlives it (same secret)
  await server.down();
  // the page notices and backs off; its next attempt is at least 2.5 s away
  await waitUntilBackedOff(alice.page);
  await expect(alice.page.locator('#connection').textContent()).resolves.toMatch(/^Disconnected, reconnecting in \d+ s…$/);
  await expect(alice.page.locator('#composer-send').isDisabled()).resolves.toBe(true);

  await server.up(); // same port, same database file
  const client: ChatClient = await connect(`ws://127.0.0.1:${server.port}`, 'general', { token: carol.token, origin: server.origin, json: true });
  try {
    const missed = ['sent while you were away 1', 'sent while you were away 2'];
    for (const text of missed) client.send(text);
    for (const text of missed) await client.waitForEvent((event) => event.type === 'message' && event.text === text);
    // proof that alice was really away while these were committed: presence never listed her
    expect(client.events().filter((event) => event.type === 'presence' && event.users.includes(ALICE))).toEqual([]);

    await waitConnected(alice.page);
    for (const text of missed) await waitForMessage(alice.page, text);
    // a live message after the replay: once it is shown, any duplicate would have arrived before it
    client.send('live after the reconnect');
    await waitForMessage(alice.page, 'live after the reconnect');
    for (const text of [...missed, 'live after the reconnect']) {
      await expect(messagesWithText(alice.page, text).count()).resolves.toBe(1);
    }
    const texts = await shownTexts(alice.page);
    expect(texts.slice(-3)).toEqual([...missed, 'live after the reconnect']);
    expect(new Set(texts).size).toBe(texts.length);
    // and the page can talk again
    await sendInUi(alice.page, 'glad to be back');
    await client.waitForEvent((event) => event.type === 'message' && event.text === 'glad to be back' && event.user === ALICE);
  } finally {
    await client.close();
  }
  // While the server was down Chromium logs the refused attempts itself; nothing else may appear.
  expectClean(alice, [/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/general\?since=\d+' failed: /, /ERR_CONNECTION_REFUSED/]);
  const refused = alice.problems.network.length;
  expect(refused).toBeGreaterThanOrEqual(1);
});

test('a page away while more than the 500-message replay was said catches up through the history, each message once', async () => {
  await waitConnected(alice.page);
  const shownBefore = await shownTexts(alice.page);
  const dave = await registerClient('dave');
  await server.down();
  await waitUntilBackedOff(alice.page);
  await server.up();
  const client: ChatClient = await connect(`ws://127.0.0.1:${server.port}`, 'general', { token: dave.token, origin: server.origin, json: true });
  const flood = Array.from({ length: 620 }, (_, i) => `flood ${i + 1}`);
  try {
    for (const text of flood) client.send(text);
    await client.waitForEvent((event) => event.type === 'message' && event.text === flood.at(-1), 0, WAIT_MS);
    // alice was away for all of it: the `since` replay alone would stop 120 messages short
    expect(client.events().filter((event) => event.type === 'presence' && event.users.includes(ALICE))).toEqual([]);

    await waitConnected(alice.page);
    client.send('live after the flood');
    await waitForMessage(alice.page, 'live after the flood');
    const floodShown = async () => (await shownTexts(alice.page)).filter((text) => text.startsWith('flood ')).length;
    await expect(eventually(floodShown, flood.length)).resolves.toBe(flood.length);
    // every message once, in order, after what was shown before the drop
    await expect(shownTexts(alice.page)).resolves.toEqual([...shownBefore, ...flood, 'live after the flood']);
  } finally {
    await client.close();
  }
  expectClean(alice, [/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/general\?since=\d+' failed: /, /ERR_CONNECTION_REFUSED/]);
});

test('"Load older messages" reads the room back page by page to its first message, keeping the reader\'s place', async () => {
  const expected = await allTexts('general'); // oldest first, from the API
  expect(expected.length).toBeGreaterThan(600);
  await alice.page.reload();
  await waitConnected(alice.page);
  await expect(shownTexts(alice.page)).resolves.toEqual(expected.slice(-50));
  const older = alice.page.getByRole('button', { name: 'Load older messages' });
  await expect(older.isVisible()).resolves.toBe(true);

  // the reader is at the top of what is shown; after loading, the message they were looking at stays in view
  const firstShown = alice.page.locator('#messages > li.message').first();
  const firstId = await firstShown.getAttribute('data-id');
  await alice.page.evaluate(`document.getElementById('messages').scrollTop = 0`);
  await older.click();
  await expect(eventually(async () => (await shownTexts(alice.page)).length, 100)).resolves.toBe(100);
  const list = (await alice.page.locator('#messages').boundingBox())!;
  const kept = (await alice.page.locator(`#messages > li[data-id="${firstId}"]`).boundingBox())!;
  expect(kept.y).toBeGreaterThanOrEqual(list.y);
  expect(kept.y).toBeLessThan(list.y + list.height);

  // by keyboard from here on, until the room's first message is shown and the button goes away
  for (let pages = 0; (await older.isVisible()) && pages < 20; pages++) {
    const count = (await shownTexts(alice.page)).length;
    await older.focus();
    await alice.page.keyboard.press('Enter');
    await eventually(async () => (await shownTexts(alice.page)).length > count || !(await older.isVisible()), true);
  }
  await expect(older.isVisible()).resolves.toBe(false);
  await expect(shownTexts(alice.page)).resolves.toEqual(expected);
  expectClean(alice, [/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/general\?since=\d+' failed: /, /ERR_CONNECTION_REFUSED/]);
});

/** Every message text of a room, oldest first, read through the API page by page. */
async function allTexts(room: string): Promise<string[]> {
  const texts: string[] = [];
  let before = '';
  for (;;) {
    const response = await fetch(`${server.origin}/api/messages/${room}?limit=200${before}`);
    const { messages } = (await response.json()) as { messages: Array<{ id: number; text: string }> };
    texts.unshift(...messages.map((message) => message.text).reverse());
    if (messages.length < 200) return texts;
    before = `&before=${messages.at(-1)!.id}`;
  }
}

async function registerClient(username: string): Promise<{ username: string; token: string }> {
  const response = await fetch(`${server.origin}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  expect(response.status).toBe(201);
  return { username, token: ((await response.json()) as { access_token: string }).access_token };
}
