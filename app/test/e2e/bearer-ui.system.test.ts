import type { Browser } from 'playwright-core';
import { launchBrowser, openWatchedPage, type WatchedPage } from './browser';
import { UiServer } from './server';
import { registerInUi, sendInUi, waitForMessage } from './chat-page';

// The browser UI in a real Chromium sends its access token as the `shagram.bearer.<token>` subprotocol:
// the WebSocket URL holds no token, and the server selects `shagram.json` only.

jest.setTimeout(60_000);

let server: UiServer;
let browser: Browser;
let carol: WatchedPage;

beforeAll(async () => {
  server = await UiServer.start();
  browser = await launchBrowser();
  carol = await openWatchedPage(browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

test('the UI connects with the token in Sec-WebSocket-Protocol, not in the URL, and chats', async () => {
  const handshakes: Array<{ url: string; offered?: string; selected?: string }> = [];
  const cdp = await carol.context.newCDPSession(carol.page);
  await cdp.send('Network.enable');
  const byId = new Map<string, { url: string; offered?: string; selected?: string }>();
  cdp.on('Network.webSocketCreated', (event: { requestId: string; url: string }) => {
    const handshake = { url: event.url };
    byId.set(event.requestId, handshake);
    handshakes.push(handshake);
  });
  const header = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  cdp.on('Network.webSocketWillSendHandshakeRequest', (event: { requestId: string; request: { headers: Record<string, string> } }) => {
    const handshake = byId.get(event.requestId);
    if (handshake) handshake.offered = header(event.request.headers, 'sec-websocket-protocol');
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (event: { requestId: string; response: { headers: Record<string, string> } }) => {
    const handshake = byId.get(event.requestId);
    if (handshake) handshake.selected = header(event.response.headers, 'sec-websocket-protocol');
  });

  await carol.page.goto(`${server.origin}/`);
  await registerInUi(carol.page, 'carol');
  await sendInUi(carol.page, 'no token in my URL');
  await waitForMessage(carol.page, 'no token in my URL');

  const token = (JSON.parse((await carol.page.evaluate("sessionStorage.getItem('shagram.session')")) as string) as { token: string }).token;
  expect(token.length).toBeGreaterThan(20);
  expect(handshakes.length).toBeGreaterThanOrEqual(1);
  for (const handshake of handshakes) {
    expect(handshake.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/general\?since=\d+$/);
    expect(handshake.url).not.toContain(token);
    expect(handshake.offered?.split(',').map((item) => item.trim())).toEqual(['shagram.json', `shagram.bearer.${token}`]);
    expect(handshake.selected).toBe('shagram.json');
  }
  expect(carol.problems).toEqual({ app: [], csp: [], network: [] });
});
