import type { Locator, Page } from 'playwright-core';

/** Default bound for waiting on the page. */
export const WAIT_MS = 10_000;

/** Registers through the UI and waits for the chat to be connected. */
export async function registerInUi(page: Page, username: string, password = 'correct horse battery'): Promise<void> {
  const form = page.locator('#register-form');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Register' }).click();
  await waitConnected(page);
}

/** Waits until the page shows the connection as open. */
export async function waitConnected(page: Page): Promise<void> {
  await page.locator('#connection[data-state="open"]').waitFor({ timeout: WAIT_MS });
}

/** Types a message into the composer and presses Enter. */
export async function sendInUi(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The message items whose text is exactly `text`. */
export function messagesWithText(page: Page, text: string): Locator {
  return page.locator('#messages > li.message').filter({ has: page.locator('.message-text').getByText(text, { exact: true }) });
}

/** Waits until a message with exactly this text is shown. */
export async function waitForMessage(page: Page, text: string): Promise<Locator> {
  const item = messagesWithText(page, text);
  await item.first().waitFor({ timeout: WAIT_MS });
  return item;
}

/** The texts of all messages shown, top to bottom. */
export function shownTexts(page: Page): Promise<string[]> {
  return page.locator('#messages .message-text').allTextContents();
}

/** Polls until `read()` returns `expected` (compared as JSON) or the bound passes; returns the last value. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/**
 * Waits until the page, after losing its server, has backed off to a next attempt at least 2.5 s
 * away: ample time for another client to talk while the page is provably still away.
 */
export async function waitUntilBackedOff(page: Page): Promise<void> {
  const status = page.locator('#connection');
  const retryMs = async () => ((await status.getAttribute('data-state')) === 'reconnecting' ? Number(await status.getAttribute('data-retry-ms')) : 0);
  if (!(await eventually(async () => (await retryMs()) >= 2500, true))) throw new Error('the page never backed off to a retry at least 2.5 s away');
}
