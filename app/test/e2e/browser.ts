import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium (installed by scripts/setup.d/50-chromium.sh); a browser is never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where each run leaves its screenshots (git-ignored). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results');

/** Launches headless Chromium with a fresh temporary profile and no background traffic. */
export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`npm run setup:system\` (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Everything a page reported that a clean run must not have. */
export interface PageProblems {
  /** console.error / console.warn calls, uncaught exceptions and other non-network console errors. */
  app: string[];
  /** Content-Security-Policy violations reported by the page. */
  csp: string[];
  /** Chromium's own network error lines ("Failed to load resource …", "WebSocket connection … failed …"). */
  network: string[];
}

/** Chromium's own console line for a request the server answered with `status` (expected in some tests). */
export const failedRequest = (status: number): RegExp => new RegExp(`^Failed to load resource: the server responded with a status of ${status} `);

/**
 * Asserts a page reported no application error and no CSP violation, and no network error other than those an
 * `allowedNetwork` pattern matches (the failures a test provokes on purpose).
 */
export function expectClean(watched: PageProblems | WatchedPage, allowedNetwork: RegExp[] = []): void {
  const problems = 'problems' in watched ? watched.problems : watched;
  expect(problems.app).toEqual([]);
  expect(problems.csp).toEqual([]);
  expect(problems.network.filter((line) => !allowedNetwork.some((pattern) => pattern.test(line)))).toEqual([]);
}

/** A browser context with one page whose problems are being recorded. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

const NETWORK_LINE = /^(Failed to load resource|WebSocket connection to )/;

/**
 * Opens a fresh context (own cookies and sessionStorage) and a page that records console errors,
 * uncaught exceptions and CSP violations (through a `securitypolicyviolation` listener installed
 * before any page script runs).
 */
export async function openWatchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const problems: PageProblems = { app: [], csp: [], network: [] };
  await context.exposeBinding('__reportCspViolation', (_source, report: string) => {
    problems.csp.push(report);
  });
  // Runs before any page script (the test lane's tsconfig has no DOM types, hence a string).
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.__reportCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber);
    });`,
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const text = message.text();
    if (message.type() === 'error' && NETWORK_LINE.test(text)) problems.network.push(text);
    else problems.app.push(`${message.type()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.app.push(`uncaught: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.app.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { context, page, problems };
}
