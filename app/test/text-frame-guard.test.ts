/**
 * Guard for app/src/ws/text-frame.ts, which writes pre-encoded frames straight to a WebSocket's TCP socket through
 * `ws` internals (`Sender.frame`, `_sender._state`, `_socket`). Each test compares the trick with the library's
 * own path on the wire, or checks an assumption the trick makes, so an upgraded `ws` that changes any of them
 * fails here loudly instead of silently falling back or corrupting frames.
 */
import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { cork, encodeTextFrame, uncork, writeTextFrame } from '../src/ws/text-frame';

interface Loopback {
  port: number;
  /** The next server-side WebSocket. */
  nextConnection(): Promise<WebSocket>;
  close(): Promise<void>;
}

/** A real `ws` server on loopback, configured like the gateway's (no permessage-deflate). */
async function startServer(): Promise<Loopback> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
  const opened: WebSocket[] = [];
  wss.on('connection', (ws) => opened.push(ws));
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  return {
    port: (httpServer.address() as net.AddressInfo).port,
    nextConnection: async () => ((await once(wss, 'connection')) as [WebSocket])[0],
    close: async () => {
      for (const ws of opened) ws.terminate();
      wss.close();
      httpServer.close();
      await once(httpServer, 'close');
    },
  };
}

/** A raw TCP client that performs the handshake by hand and records every byte it receives after it. */
async function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let header = Buffer.alloc(0);
  let chunks: Buffer[] = [];
  let received = 0;
  let status: string | undefined;
  const waiters: Array<{ n: number; resolve: (b: Buffer) => void }> = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (status !== undefined && received >= waiter.n) {
        waiters.splice(waiters.indexOf(waiter), 1);
        chunks = [Buffer.concat(chunks)];
        waiter.resolve(chunks[0]!);
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (status === undefined) {
      header = Buffer.concat([header, chunk]);
      const end = header.indexOf('\r\n\r\n');
      if (end < 0) return;
      status = header.subarray(0, header.indexOf('\r\n')).toString();
      chunk = header.subarray(end + 4);
    }
    chunks.push(chunk);
    received += chunk.length;
    check();
  });
  return {
    status: () => status,
    /** Resolves with everything received once there are at least `n` bytes. */
    receivedAtLeast: (n: number) =>
      new Promise<Buffer>((resolve) => {
        waiters.push({ n, resolve });
        check();
      }),
    destroy: () => socket.destroy(),
  };
}

/** 'equal', or where two byte strings first differ (jest's deep equality is slow on large buffers). */
function compareBytes(actual: Buffer, expected: Buffer): string {
  if (actual.equals(expected)) return 'equal';
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return `differ at byte ${i} (lengths ${actual.length} and ${expected.length})`;
}

const TEXTS = ['', 'alice: hello', 'é'.repeat(100), 'x'.repeat(125), 'x'.repeat(126), 'y'.repeat(65_535), 'z'.repeat(65_536), '😀'.repeat(20_000)];

let loopback: Loopback;
let client: Awaited<ReturnType<typeof rawClient>>;
let server: WebSocket;

beforeEach(async () => {
  loopback = await startServer();
  const connection = loopback.nextConnection();
  client = await rawClient(loopback.port);
  server = await connection;
});

afterEach(async () => {
  client.destroy();
  await loopback.close();
});

describe('text-frame: the raw-write trick against ws', () => {
  test('the internals the trick uses are there, in the shape it assumes', async () => {
    await client.receivedAtLeast(0);
    expect(client.status()).toMatch(/^HTTP\/1\.1 101 /);
    const internals = server as unknown as { _socket: unknown; _sender: { _state: unknown } };
    expect(internals._socket).toBeInstanceOf(net.Socket);
    expect(typeof internals._sender._state).toBe('number');
    expect(internals._sender._state).toBe(0); // idle: the trick writes raw only in this state
    expect(typeof (WebSocket as unknown as { Sender: { frame: unknown } }).Sender.frame).toBe('function');
  });

  test.each(TEXTS.map((text) => [text.length, text] as const))('%i UTF-16 units: the very bytes ws.send writes', async (_length, text) => {
    const frame = encodeTextFrame(text);
    server.send(text); // the library's own path
    const viaLibrary = Buffer.from(await client.receivedAtLeast(frame.bytes.length));
    expect(compareBytes(viaLibrary, frame.bytes)).toBe('equal');

    writeTextFrame(server, frame); // the trick
    const all = await client.receivedAtLeast(viaLibrary.length * 2);
    expect(all.length).toBe(viaLibrary.length * 2);
    expect(compareBytes(all.subarray(viaLibrary.length), viaLibrary)).toBe('equal');
  });

  test('cork holds writes on the very socket the trick writes to, until uncork', async () => {
    const socket = (server as unknown as { _socket: net.Socket })._socket;
    cork(server);
    expect(socket.writableCorked).toBe(1);
    const frame = encodeTextFrame('held');
    writeTextFrame(server, frame);
    expect(socket.writableLength).toBeGreaterThanOrEqual(frame.bytes.length);
    uncork(server);
    expect(socket.writableCorked).toBe(0);
    expect(await client.receivedAtLeast(frame.bytes.length)).toEqual(frame.bytes);
  });

  test('while the sender is busy the trick falls back to ws.send; idle again, it writes raw', async () => {
    const sender = (server as unknown as { _sender: { _state: number } })._sender;
    const first = encodeTextFrame('first');
    const second = encodeTextFrame('second');
    const viaSend: unknown[] = [];
    const send = server.send.bind(server);
    server.send = ((data: string, options: { binary: boolean }) => {
      viaSend.push(data);
      sender._state = 0;
      send(data, options);
    }) as typeof server.send;
    sender._state = 1; // as ws marks it while it compresses a message or reads a Blob
    writeTextFrame(server, first);
    writeTextFrame(server, second);
    expect(viaSend).toEqual([first.payload]);
    expect(await client.receivedAtLeast(first.bytes.length + second.bytes.length)).toEqual(Buffer.concat([first.bytes, second.bytes]));
  });

  test('a real ws client reads frames of the trick and of the library, interleaved, in order', async () => {
    const connection = loopback.nextConnection();
    const wsClient = new WebSocket(`ws://127.0.0.1:${loopback.port}/`);
    const got: string[] = [];
    const all = new Promise<void>((resolve) => {
      wsClient.on('message', (data, isBinary) => {
        got.push(`${isBinary ? 'binary' : 'text'} ${String(data)}`);
        if (got.length === 4) resolve();
      });
    });
    const peer = await connection;
    cork(peer);
    writeTextFrame(peer, encodeTextFrame('one'));
    peer.send('two');
    writeTextFrame(peer, encodeTextFrame('three'));
    uncork(peer);
    peer.send('four');
    await all;
    expect(got).toEqual(['text one', 'text two', 'text three', 'text four']);
    wsClient.terminate();
  });
});
