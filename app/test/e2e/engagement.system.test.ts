import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { connect } from '../helpers/client';
import { launchBrowser, openWatchedPage, RESULTS_DIR, type WatchedPage } from './browser';
import { UiServer } from './server';
import { eventually, registerInUi, waitForMessage, WAIT_MS } from './chat-page';

// What makes the chat one people keep open, in a real Chromium against the real server: the typing indicator,
// unread counts per room, the phone layout's drawer, mentions (highlight, marks, notifications, tab title) and
// long histories. Alice and Bob use desktop windows (1280x800); Carol a phone (390x780). The tests run in order.

jest.setTimeout(90_000);

const DESKTOP = { width: 1280, height: 800 };

let server: UiServer;
let browser: Browser;
let alice: WatchedPage;
let bob: WatchedPage;

/** A clean page: no console errors, no uncaught exceptions, no CSP violations, no failed requests. */
function expectClean(watched: WatchedPage, allowedNetwork: RegExp[] = []): void {
  expect(watched.problems.app).toEqual([]);
  expect(watched.problems.csp).toEqual([]);
  expect(watched.problems.network.filter((line) => !allowedNetwork.some((pattern) => pattern.test(line)))).toEqual([]);
}

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
