import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { connect } from '../helpers/client';
import { expectClean, launchBrowser, openWatchedPage, RESULTS_DIR, type WatchedPage } from './browser';
import { UiServer } from './server';
import { eventually, registerInUi, sendInUi, waitConnected, waitForMessage, WAIT_MS } from './chat-page';

// What makes the chat one people keep open, in a real Chromium against the real server: the typing indicator,
// unread counts per room, the phone layout's drawer, mentions (highlight, marks, notifications, tab title) and
// long histories. Alice and Bob use desktop windows (1280x800); Carol a phone (390x780). The tests run in order.

jest.setTimeout(90_000);

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 780 };

let server: UiServer;
let browser: Browser;
let alice: WatchedPage;
let bob: WatchedPage;

/** A clean page: no console errors, no uncaught exceptions, no CSP violations, no failed requests. */

/** The access token the page holds (its session). */
async function tokenOf(watched: WatchedPage): Promise<string> {
  return watched.page.evaluate<string>(`JSON.parse(sessionStorage.getItem('shagram.session')).token`);
}

beforeAll(async () => {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  server = await UiServer.start();
  browser = await launchBrowser();
  alice = await openWatchedPage(browser, { viewport: DESKTOP });
  bob = await openWatchedPage(browser, { viewport: DESKTOP });
  await alice.page.goto(`${server.origin}/`);
  await bob.page.goto(`${server.origin}/`);
  await registerInUi(alice.page, 'alice');
  await registerInUi(bob.page, 'bob');
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

test('typing: "bob is typing…" appears for the others, clears on his message or after about 5 s; plain readers get nothing', async () => {
  const typing = alice.page.locator('#typing');
  await expect(typing.getAttribute('aria-live')).resolves.toBe('polite');
  // A plain-mode reader in the same room: it must see messages only.
  const plain = await connect(server.origin.replace('http', 'ws'), 'general', { token: await tokenOf(alice), origin: server.origin });
  await eventually(() => bob.page.locator('#presence-list li').count(), 2);

  const box = bob.page.getByRole('textbox', { name: 'Message' });
  await box.pressSequentially('hello al', { delay: 20 });
  await typing.filter({ hasText: 'bob is typing…' }).waitFor({ timeout: WAIT_MS });
  // Bob never sees himself typing.
  await expect(bob.page.locator('#typing').textContent()).resolves.toBe('');
  await box.pressSequentially('ice', { delay: 20 });
  await box.press('Enter');
  await waitForMessage(alice.page, 'hello alice');
  await expect(eventually(() => typing.textContent(), '')).resolves.toBe('');

  // Typing then stopping: the indicator goes by itself (about 5 s after the last signal).
  await box.pressSequentially('and then', { delay: 20 });
  await typing.filter({ hasText: 'bob is typing…' }).waitFor({ timeout: WAIT_MS });
  const shownAt = Date.now();
  await expect(eventually(() => typing.textContent(), '', 10_000)).resolves.toBe('');
  expect(Date.now() - shownAt).toBeGreaterThan(3000);
  await box.fill('');

  // The plain reader got exactly the one message line.
  expect(await plain.waitForFrames(1)).toEqual(['bob: hello alice']);
  await plain.close();
  expect(plain.frames).toEqual(['bob: hello alice']);
  expectClean(alice);
  expectClean(bob);
});

/** The room link `#room` in the list. */
const roomLink = (watched: WatchedPage, room: string) => watched.page.locator(`#room-list a[href="#${room}"]`);

/** Waits until the page's link to `room` shows this unread badge (`null`: none); counts are refreshed every 15 s. */
async function waitBadge(watched: WatchedPage, room: string, badge: string | null, timeoutMs = 25_000): Promise<void> {
  const read = () => roomLink(watched, room).getAttribute('data-unread');
  await expect(eventually(read, badge, timeoutMs)).resolves.toBe(badge);
}

/** Opens a room through its link and waits for its connection. */
async function openRoom(watched: WatchedPage, room: string): Promise<void> {
  await roomLink(watched, room).click();
  await eventually(() => watched.page.locator('#room-title').textContent(), `#${room}`);
  await waitConnected(watched.page);
}

test('unread counts: rooms not in view count what arrived since last read, across reloads and devices; mentions are marked', async () => {
  // Bob has read #dev once (empty then), and is back in #general.
  await openRoom(bob, 'dev');
  await openRoom(bob, 'general');
  await openRoom(alice, 'dev');
  await sendInUi(alice.page, 'first in dev');
  await sendInUi(alice.page, 'second, for @bob');
  await waitForMessage(alice.page, 'second, for @bob');
  await openRoom(alice, 'general');

  await waitBadge(bob, 'dev', '2');
  await expect(roomLink(bob, 'dev').getAttribute('data-mentions')).resolves.toBe('1');
  // Screen readers hear the count and the mention in the link's name.
  await expect(roomLink(bob, 'dev').textContent()).resolves.toBe('#dev@2, 2 unread, mentions you');
  await expect(bob.page.getByRole('link', { name: /^#dev\s*, 2 unread, mentions you$/ }).count()).resolves.toBe(1);
  // The open room never has a badge; Alice wrote them: nothing unread for her.
  await expect(roomLink(bob, 'general').getAttribute('data-unread')).resolves.toBeNull();
  await expect(roomLink(alice, 'dev').getAttribute('data-unread')).resolves.toBeNull();

  // Across a reload: read from the server at once.
  await bob.page.reload();
  await waitConnected(bob.page);
  await waitBadge(bob, 'dev', '2', WAIT_MS);

  // Another device of Bob's (a phone) sees the same count, reads #dev there, and the desktop's count goes.
  const phone = await openWatchedPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
  await phone.page.goto(`${server.origin}/`);
  const login = phone.page.locator('#login-form');
  await login.getByLabel('Username').fill('bob');
  await login.getByLabel('Password').fill('correct horse battery');
  await login.getByRole('button', { name: 'Log in' }).click();
  await waitConnected(phone.page);
  await waitBadge(phone, 'dev', '2', WAIT_MS);
  await phone.page.goto(`${server.origin}/#dev`);
  await waitForMessage(phone.page, 'second, for @bob');
  await waitBadge(bob, 'dev', null);
  expectClean(phone);
  await phone.context.close();
  expectClean(alice);
  expectClean(bob);
});

test('phone layout: the conversation owns the screen; rooms and presence open as a drawer, keyboard- and screen-reader-usable', async () => {
  const carol = await openWatchedPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const { page } = carol;
  await page.goto(`${server.origin}/`);
  await registerInUi(page, 'carol');
  const toggle = page.getByRole('button', { name: 'Rooms' });
  const drawer = page.getByRole('navigation', { name: 'Rooms' });

  // Closed: the conversation fills the width, the panel is out of sight and out of the accessibility tree.
  await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false');
  await expect(toggle.getAttribute('aria-controls')).resolves.toBe('sidebar');
  await expect(drawer.isVisible()).resolves.toBe(false);
  const messages = await page.locator('#messages').boundingBox();
  expect(messages!.width).toBeGreaterThan(PHONE.width - 40);

  // Keyboard: the button opens it, focus moves in (to the open room), Tab wraps inside.
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true');
  await expect(drawer.isVisible()).resolves.toBe(true);
  await expect(page.evaluate<string>(`document.activeElement.getAttribute('href')`)).resolves.toBe('#general');
  await expect(page.evaluate<string>(`getComputedStyle(document.activeElement).outlineStyle`)).resolves.toBe('solid');
  const inDrawer = `document.getElementById('sidebar').contains(document.activeElement)`;
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    await expect(page.evaluate<boolean>(inDrawer)).resolves.toBe(true);
  }
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Shift+Tab');
    await expect(page.evaluate<boolean>(inDrawer)).resolves.toBe(true);
  }
  // The rest of the page is inert while it is open: a screen reader's virtual cursor cannot wander off either.
  await expect(page.evaluate<boolean>(`document.getElementById('room-main').inert`)).resolves.toBe(true);
  await expect(page.evaluate<boolean>(`document.getElementById('account').inert`)).resolves.toBe(true);
  // Presence is in the drawer.
  await expect(drawer.locator('#presence-list').getByText('carol').count()).resolves.toBe(1);

  // Escape closes it and gives focus back to the button.
  await page.keyboard.press('Escape');
  await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false');
  await expect(drawer.isVisible()).resolves.toBe(false);
  await expect(page.evaluate<string>(`document.activeElement.id`)).resolves.toBe('drawer-toggle');
  await expect(page.evaluate<boolean>(`document.getElementById('room-main').inert`)).resolves.toBe(false);

  // Touch: open, choose a room; the drawer closes and the room opens.
  await toggle.tap();
  await drawer.getByRole('link', { name: '#dev' }).tap();
  await eventually(() => page.locator('#room-title').textContent(), '#dev');
  await waitConnected(page);
  await expect(drawer.isVisible()).resolves.toBe(false);
  await expect(page.evaluate<string>(`document.activeElement.id`)).resolves.toBe('drawer-toggle');
  await sendInUi(page, 'from a phone');
  await waitForMessage(page, 'from a phone');

  // The "Close" button inside works too; then a screenshot with the drawer open.
  await toggle.click();
  await drawer.getByRole('button', { name: 'Close' }).click();
  await expect(drawer.isVisible()).resolves.toBe(false);
  const overflow = await page.evaluate<number>(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
  expect(overflow).toBeLessThanOrEqual(0);
  await toggle.click();
  await page.screenshot({ path: path.join(RESULTS_DIR, 'ui-phone.png') });
  await page.keyboard.press('Escape');
  expectClean(carol);
  await carol.context.close();
});

// Headless Chromium has no notification centre and never hides a page, so this page gets a recording stand-in for
// the Notification API (permission "default" until asked) and a switch for document.visibilityState, installed
// before any page script. Everything else (the page, the server, the other person) is real.
const NOTIFICATION_AND_VISIBILITY_STUB = `(() => {
  let permission = 'default';
  let hidden = false;
  window.__notes = [];
  window.__permissionAsks = 0;
  window.Notification = class {
    constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
    static get permission() { return permission; }
    static requestPermission() { window.__permissionAsks++; permission = 'granted'; return Promise.resolve(permission); }
  };
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get() { return hidden ? 'hidden' : 'visible'; } });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get() { return hidden; } });
  window.__setHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
})();`;

test('mentions: @name is highlighted (as text) for that person, marked on other rooms, notified and counted in the title while in the background', async () => {
  const dora = await openWatchedPage(browser, { viewport: DESKTOP });
  await dora.context.addInitScript({ content: NOTIFICATION_AND_VISIBILITY_STUB });
  const { page } = dora;
  await page.goto(`${server.origin}/`);
  await registerInUi(page, 'dora');
  // Permission is never asked on load: only from the explicit button.
  const enable = page.getByRole('button', { name: 'Enable notifications' });
  await enable.waitFor({ timeout: WAIT_MS });
  await expect(page.evaluate<number>('window.__permissionAsks')).resolves.toBe(0);
  await enable.click();
  await expect(eventually(() => enable.isVisible(), false)).resolves.toBe(false);
  await expect(page.evaluate<number>('window.__permissionAsks')).resolves.toBe(1);
  // Dora has read #dev once, and is in #general with Bob.
  await openRoom(dora, 'dev');
  await openRoom(dora, 'general');
  await openRoom(bob, 'general');
  await eventually(() => page.locator('#presence-list li').count(), 2);

  // In view: highlighted, safely; no notification while the page is seen.
  const hostile = 'hey @Dora, look: <img src=x onerror=alert(1)> and mail x@dora too';
  await sendInUi(bob.page, hostile);
  const item = await waitForMessage(page, hostile);
  await expect(item.locator('mark.mention').allTextContents()).resolves.toEqual(['@Dora']);
  await expect(item.getAttribute('class')).resolves.toBe('message mentions-me');
  await expect(page.locator('#messages img').count()).resolves.toBe(0);
  // Bob sees it plain: only the person mentioned gets the highlight.
  await expect((await waitForMessage(bob.page, hostile)).locator('mark').count()).resolves.toBe(0);
  await expect(page.evaluate<number>('window.__notes.length')).resolves.toBe(0);
  await expect(page.title()).resolves.toBe('#general · Shagram');

  // In the background: a notification and the count in the title.
  await page.evaluate('window.__setHidden(true)');
  await sendInUi(bob.page, 'are you there @dora?');
  await expect(eventually(() => page.title(), '(1) #general · Shagram')).resolves.toBe('(1) #general · Shagram');
  await expect(page.evaluate('window.__notes')).resolves.toEqual([{ title: 'bob mentioned you in #general', body: 'are you there @dora?' }]);

  // A mention in another room: marked on that room and, still in the background, notified and counted too.
  await openRoom(bob, 'dev');
  await sendInUi(bob.page, '@dora see #dev');
  await waitForMessage(bob.page, '@dora see #dev');
  await waitBadge(dora, 'dev', '1');
  await expect(roomLink(dora, 'dev').getAttribute('data-mentions')).resolves.toBe('1');
  await expect(eventually(() => page.title(), '(2) #general · Shagram')).resolves.toBe('(2) #general · Shagram');
  await expect(page.evaluate('window.__notes.map((n) => n.title)')).resolves.toEqual(['bob mentioned you in #general', 'You were mentioned in #dev']);

  // Seen again: the title loses its count.
  await page.evaluate('window.__setHidden(false)');
  await expect(eventually(() => page.title(), '#general · Shagram')).resolves.toBe('#general · Shagram');
  await openRoom(bob, 'general');

  // The desktop screenshot: a highlighted mention, #dev marked, Bob typing.
  await bob.page.getByRole('textbox', { name: 'Message' }).pressSequentially('on my', { delay: 20 });
  await page.locator('#typing').filter({ hasText: 'bob is typing…' }).waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: path.join(RESULTS_DIR, 'ui-desktop.png') });
  await bob.page.getByRole('textbox', { name: 'Message' }).fill('');
  expectClean(dora);
  await dora.context.close();
  expectClean(bob);
});
