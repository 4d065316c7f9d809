import type { Browser } from 'playwright-core';
import { expectClean, failedRequest, launchBrowser, openWatchedPage, type WatchedPage } from './browser';
import { UiServer } from './server';
import { eventually, messagesWithText, registerInUi, sendInUi, waitConnected, waitForMessage, WAIT_MS } from './chat-page';

// Signing in and out (with the server's errors shown inline), and the UI used by keyboard alone
// on a phone-sized screen.

// A browser test takes seconds, not jest's default 5 (the per-project testTimeout is not applied).
jest.setTimeout(60_000);

let server: UiServer;
let browser: Browser;

beforeAll(async () => {
  server = await UiServer.start();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});



test('auth forms show the server errors inline; log out ends the session; log in restores it', async () => {
  const watched: WatchedPage = await openWatchedPage(browser);
  const { page } = watched;
  const name = 'Dana';
  await page.goto(`${server.origin}/`);
  const register = page.locator('#register-form');
  const login = page.locator('#login-form');

  // client-side check: nothing typed
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(register.getByRole('alert').textContent()).resolves.toBe('Please enter a username and a password.');

  // server: 400 with its readable message
  await register.getByLabel('Username').fill(name);
  await register.getByLabel('Password').fill('short');
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(eventually(() => register.getByRole('alert').textContent(), 'password must be at least 8 characters')).resolves.toBe(
    'password must be at least 8 characters',
  );
  await expect(register.getByLabel('Password').getAttribute('aria-invalid')).resolves.toBe('true');

  await registerInUi(page, name, 'a good long password');
  await expect(page.locator('#account-name').textContent()).resolves.toBe(name);

  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  await expect(page.locator('#auth-notice').textContent()).resolves.toBe('You are logged out.');
  await expect(page.evaluate<string | null>(`sessionStorage.getItem('shagram.session')`)).resolves.toBeNull();
  await expect(page.locator('#chat-view').isHidden()).resolves.toBe(true);

  // server: 409, the name is taken (case-insensitively)
  await register.getByLabel('Username').fill(name.toLowerCase());
  await register.getByLabel('Password').fill('another long password');
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(eventually(() => register.getByRole('alert').textContent(), 'username is already taken (or looks the same as a name that is)')).resolves.toBe('username is already taken (or looks the same as a name that is)');

  // server: 401, wrong password
  await login.getByLabel('Username').fill(name);
  await login.getByLabel('Password').fill('not the password');
  await login.getByRole('button', { name: 'Log in' }).click();
  await expect(eventually(() => login.getByRole('alert').textContent(), 'wrong username or password')).resolves.toBe('wrong username or password');

  // reload while logged out stays logged out
  await page.reload();
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });

  // the right password, typed with a different case of the name: the canonical name is shown
  await login.getByLabel('Username').fill(name.toUpperCase());
  await login.getByLabel('Password').fill('a good long password');
  await login.getByRole('button', { name: 'Log in' }).click();
  await waitConnected(page);
  await expect(page.locator('#account-name').textContent()).resolves.toBe(name);
  await expect(page.locator('#login-error').textContent()).resolves.toBe('');
  await sendInUi(page, 'signed in again');
  await expect(messagesWithText(page, 'signed in again').getAttribute('class')).resolves.toContain('own');

  expectClean(watched.problems, [failedRequest(400), failedRequest(409), failedRequest(401)]);
  expect(watched.problems.network).toHaveLength(3);
  await watched.context.close();
});

test('a session the server no longer accepts returns to the sign-in screen with a notice', async () => {
  const watched = await openWatchedPage(browser);
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bm90LWEtc2lnbmF0dXJl';
  await page.evaluate(`sessionStorage.setItem('shagram.session', JSON.stringify({ token: '${forged}', username: 'mallory' }))`);
  await page.reload();
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  await expect(page.locator('#auth-notice').textContent()).resolves.toBe('Your session has expired. Please log in again.');
  await expect(page.evaluate<string | null>(`sessionStorage.getItem('shagram.session')`)).resolves.toBeNull();
  expectClean(watched.problems, [failedRequest(401)]);
  await watched.context.close();
});

test('keyboard alone at phone width: sign up, change room, send; focus visible; no sideways scrolling', async () => {
  const watched = await openWatchedPage(browser, { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 });
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });

  // every form control has a label
  await expect(page.evaluate<number>(`[...document.querySelectorAll('input, textarea')].filter((e) => e.labels.length === 0).length`)).resolves.toBe(0);

  /** Presses Tab until the focused element matches `selector` (bounded). */
  const tabTo = async (selector: string) => {
    for (let i = 0; i < 40; i++) {
      if (await page.evaluate<boolean>(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${selector}`);
  };
  const focusOutline = () => page.evaluate<string>(`getComputedStyle(document.activeElement).outlineStyle`);

  await tabTo('#register-username');
  await expect(focusOutline()).resolves.toBe('solid');
  await page.keyboard.type('Erin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('a good long password');
  await page.keyboard.press('Enter');
  await waitConnected(page);
  // after signing in the message box has the focus
  await expect(page.evaluate<string>(`document.activeElement.id`)).resolves.toBe('composer-input');

  // At phone width the rooms are in a drawer: its button opens it and moves focus into it.
  await tabTo('#drawer-toggle');
  await expect(focusOutline()).resolves.toBe('solid');
  await page.keyboard.press('Enter');
  await tabTo('a[href="#dev"]');
  await expect(focusOutline()).resolves.toBe('solid');
  await page.keyboard.press('Enter');
  await eventually(() => page.locator('#room-title').textContent(), '#dev');
  await expect(page.locator('#room-title').textContent()).resolves.toBe('#dev');
  await waitConnected(page);

  await tabTo('#composer-input');
  await page.keyboard.type('typed on a phone');
  await expect(page.locator('#composer-count').textContent()).resolves.toBe('16 / 4000');
  await page.keyboard.press('Enter');
  await waitForMessage(page, 'typed on a phone');

  const overflow = await page.evaluate<number>(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
  expect(overflow).toBeLessThanOrEqual(0);
  const box = await messagesWithText(page, 'typed on a phone').boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x + box!.width).toBeLessThanOrEqual(375);
  expectClean(watched.problems);
  await watched.context.close();
});

test('the page helpers: backoff from 250 ms capped at 8 s, dated timestamps, room names from the hash', async () => {
  const watched = await openWatchedPage(browser, { timezoneId: 'UTC' });
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  // The modules are loaded the way the page loads them (same origin, under the CSP).
  const result = await page.evaluate<{ delays: number[][]; times: string[]; rooms: string[] }>(`(async () => {
    const { backoffDelay } = await import('/js/backoff.js');
    const { formatTime, roomFromHash } = await import('/js/format.js');
    const delays = [0, 1, 2, 3, 4, 5, 6, 30].map((n) => [backoffDelay(n, () => 0), backoffDelay(n, () => 0.999999)]);
    const now = new Date('2026-11-25T18:00:00Z');
    const times = [formatTime('2026-11-25T09:05:00.000Z', now), formatTime('2026-11-24T23:59:00.000Z', now), formatTime('not a date', now)];
    const rooms = ['#dev', '#/dev', '', '#Bad Name', '#%E0%A4%A', '#' + 'a'.repeat(33)].map((hash) => roomFromHash(hash, 'general'));
    return { delays, times, rooms };
  })()`);
  expect(result.delays).toEqual([
    [188, 250],
    [375, 500],
    [750, 1000],
    [1500, 2000],
    [3000, 4000],
    [6000, 8000],
    [6000, 8000],
    [6000, 8000],
  ]);
  expect(result.times).toEqual(['09:05', '2026-11-24 23:59', '']);
  expect(result.rooms).toEqual(['dev', 'dev', 'general', 'general', 'general', 'general']);
  expectClean(watched.problems);
  await watched.context.close();
});

test('catching up after a reconnect pages the history back to the last id shown, within a page bound', async () => {
  const watched = await openWatchedPage(browser, { timezoneId: 'UTC' });
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  type Run = { requests: Array<number | null>; ids: number[]; complete: boolean };
  const result = await page.evaluate<{ runs: Record<string, Run>; timeline: { ids: number[]; firstId: number; readded: number } }>(`(async () => {
    const { catchUp } = await import('/js/catch-up.js');
    const { Timeline } = await import('/js/timeline.js');
    // a room of 1000 messages whose ids have holes (ids are shared by all rooms)
    const room = Array.from({ length: 1000 }, (_, i) => ({ id: (i + 1) * 3, user: 'u', text: 't' + i, created_at: '2026-12-01T00:00:00.000Z' }));
    const run = async (messages, since, maxPages) => {
      const requests = [];
      const readPage = async (before) => {
        requests.push(before ?? null);
        return before === undefined ? messages.slice(-50) : messages.filter((m) => m.id < before).slice(-200);
      };
      const { messages: got, complete } = await catchUp(readPage, since, { firstPageSize: 50, maxPages });
      return { requests, ids: got.map((m) => m.id), complete };
    };
    const runs = {
      nothingMissed: await run(room, 3000),
      tenMissed: await run(room, 2970),
      sixHundredMissed: await run(room, 1200),
      pastTheBound: await run(room, 0, 3),
      smallRoom: await run(room.slice(0, 30), 0),
      emptyRoom: await run([], 0),
    };
    const timeline = new Timeline(document.createElement('ol'));
    timeline.reset('u');
    timeline.add([1, 2, 3, 5, 8].map((id) => ({ id, user: 'u', text: 'x', created_at: '2026-12-01T00:00:00.000Z' })));
    timeline.dropBefore(3);
    const ids = [...timeline.list.children].map((item) => Number(item.dataset.id));
    const firstId = timeline.firstId;
    const readded = timeline.addOlder([{ id: 2, user: 'u', text: 'x', created_at: '2026-12-01T00:00:00.000Z' }]);
    return { runs, timeline: { ids, firstId, readded } };
  })()`);
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 3);
  expect(result.runs.nothingMissed).toEqual({ requests: [null], ids: [], complete: true });
  expect(result.runs.tenMissed).toEqual({ requests: [null], ids: ids(991, 1000), complete: true });
  // 50, then pages of 200 until a page reaches id 1200 (message 400)
  expect(result.runs.sixHundredMissed).toEqual({ requests: [null, 951 * 3, 751 * 3, 551 * 3], ids: ids(401, 1000), complete: true });
  expect(result.runs.pastTheBound).toEqual({ requests: [null, 951 * 3, 751 * 3], ids: ids(551, 1000), complete: false });
  expect(result.runs.smallRoom).toEqual({ requests: [null], ids: ids(1, 30), complete: true });
  expect(result.runs.emptyRoom).toEqual({ requests: [null], ids: [], complete: true });
  expect(result.timeline).toEqual({ ids: [3, 5, 8], firstId: 3, readded: 1 });
  expectClean(watched.problems);
  await watched.context.close();
});
