import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { expectClean, failedRequest, launchBrowser, openWatchedPage } from './browser';
import { UiServer } from './server';
import { eventually, registerInUi, waitConnected, WAIT_MS } from './chat-page';

// The room list read a page at a time, a room that does not exist, and log-out / log-out everywhere ending
// the session on the server (the token refused afterwards, the other devices' sockets closed).

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



const storedToken = (page: import('playwright-core').Page) => page.evaluate<string>(`JSON.parse(sessionStorage.getItem('shagram.session')).token`);
const meStatus = async (token: string) => (await fetch(`${server.origin}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;

test('the room list shows 50 rooms and a "More rooms" button that loads the rest; a room from a later page opens', async () => {
  // 70 more rooms, written straight into the server's database file
  const db = new Database(path.join(server.dir, 'shagram.db'));
  const insert = db.prepare('INSERT INTO rooms(name, created_at) VALUES (?, ?)');
  for (let i = 0; i < 70; i++) insert.run(`page-${String(i).padStart(2, '0')}`, new Date().toISOString());
  db.close();

  const watched = await openWatchedPage(browser);
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  await registerInUi(page, 'pager');
  const links = page.locator('#room-list a.room-link');
  await expect(eventually(() => links.count(), 50)).resolves.toBe(50);
  const more = page.getByRole('button', { name: 'More rooms' });
  await expect(more.isVisible()).resolves.toBe(true);
  await more.click();
  await expect(eventually(() => links.count(), 73)).resolves.toBe(73);
  await expect(more.isHidden()).resolves.toBe(true);
  const names = await links.allTextContents();
  expect(names).toEqual([...names].sort());
  expect(names).toContain('#page-69');

  await page.locator('a[href="#page-69"]').click();
  await expect(eventually(() => page.locator('#room-title').textContent(), '#page-69')).resolves.toBe('#page-69');
  await waitConnected(page);
  expectClean(watched.problems);
  await watched.context.close();
});

test('a room that does not exist is named as such and not connected to (joining never creates it)', async () => {
  const watched = await openWatchedPage(browser);
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  await registerInUi(page, 'wanderer');
  await page.evaluate(`location.hash = 'no-such-room'`);
  const notice = page.locator('#room-notice');
  await expect(eventually(() => notice.textContent(), 'There is no room #no-such-room. Create it with the “New room” form, or pick one from the list.')).resolves.toBe(
    'There is no room #no-such-room. Create it with the “New room” form, or pick one from the list.',
  );
  await expect(page.locator('#connection').getAttribute('data-state')).resolves.toBe('closed');
  const rooms = (await (await fetch(`${server.origin}/api/rooms?limit=200`)).json()) as { rooms: string[] };
  expect(rooms.rooms).not.toContain('no-such-room');
  expectClean(watched.problems, [failedRequest(404)]);
  await watched.context.close();
});

test('"Log out" revokes the token on the server: it is refused afterwards', async () => {
  const watched = await openWatchedPage(browser);
  const { page } = watched;
  await page.goto(`${server.origin}/`);
  await registerInUi(page, 'leaver');
  const token = await storedToken(page);
  expect(await meStatus(token)).toBe(200);
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  await expect(page.locator('#auth-notice').textContent()).resolves.toBe('You are logged out.');
  expect(await meStatus(token)).toBe(401);
  expectClean(watched.problems);
  await watched.context.close();
});

test('"Log out everywhere" ends the session on another device too: its socket is closed and it shows the sign-in screen', async () => {
  const phone = await openWatchedPage(browser);
  const laptop = await openWatchedPage(browser);
  await phone.page.goto(`${server.origin}/`);
  await registerInUi(phone.page, 'roamer');
  await laptop.page.goto(`${server.origin}/`);
  const login = laptop.page.locator('#login-form');
  await login.getByLabel('Username').fill('roamer');
  await login.getByLabel('Password').fill('correct horse battery');
  await login.getByRole('button', { name: 'Log in' }).click();
  await waitConnected(laptop.page);
  const tokens = [await storedToken(phone.page), await storedToken(laptop.page)];

  await phone.page.getByRole('button', { name: 'Log out everywhere' }).click();
  await phone.page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  await expect(phone.page.locator('#auth-notice').textContent()).resolves.toBe('You are logged out on every device.');
  await laptop.page.locator('#auth-view').waitFor({ timeout: WAIT_MS });
  await expect(laptop.page.locator('#auth-notice').textContent()).resolves.toBe('You were logged out: this session was ended (from this or another device).');
  await expect(laptop.page.evaluate<string | null>(`sessionStorage.getItem('shagram.session')`)).resolves.toBeNull();
  for (const token of tokens) expect(await meStatus(token)).toBe(401);
  expectClean(phone.problems);
  expectClean(laptop.problems);
  await phone.context.close();
  await laptop.context.close();
});
