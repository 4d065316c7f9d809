import WebSocket from 'ws';
import { ScriptError } from '../../lib/cli';
import { expectedLine, smokeIdentity, smokeTargets, type SmokeIdentity } from './smoke-plan';

/** Settings of one smoke run. */
export interface SmokeOptions {
  /** The chat's public base URL, e.g. https://chat.example.com. */
  url: string;
  /** Origin header for the WebSocket (default: the URL's origin). */
  origin?: string;
  /** Room to talk in (created on join). */
  room?: string;
  /** Health attempts, `intervalMs` apart, before giving up (the deploy may still be restarting). */
  healthAttempts?: number;
  intervalMs?: number;
  /** Bound of each network step. */
  timeoutMs?: number;
  identity?: SmokeIdentity;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /healthz until it answers 200 {status:"ok"}, at most `attempts` times. */
async function waitHealthy(url: string, attempts: number, intervalMs: number, timeoutMs: number): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { status?: string };
      if (res.status === 200 && body.status === 'ok') return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt < attempts) await delay(intervalMs);
  }
  throw new ScriptError(`GET ${url} did not answer 200 {"status":"ok"} after ${attempts} attempts (last: ${last})`);
}

/** Registers the throwaway user; returns its access token. */
async function register(url: string, identity: SmokeIdentity, timeoutMs: number): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: identity.username, password: identity.password }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (res.status !== 201 || typeof body.access_token !== 'string') {
    throw new ScriptError(`POST ${url} answered ${res.status}${body.error ? ` (${body.error})` : ''}, expected 201 with an access token`);
  }
  return body.access_token;
}

/** Makes sure the room exists: 201 (created now) and 409 (there already) both do. */
async function ensureRoom(url: string, room: string, token: string, timeoutMs: number): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: room }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 201 || res.status === 409) return;
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  throw new ScriptError(`POST ${url} {"name":"${room}"} answered ${res.status}${body.error ? ` (${body.error})` : ''}, expected 201 or 409`);
}

/** Connects, sends {"text"}, resolves when the server echoes `user: text` back to us. */
function roundTrip(wsUrl: string, origin: string, identity: SmokeIdentity, timeoutMs: number): Promise<void> {
  const shown = wsUrl.replace(/token=[^&]*/, 'token=…');
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, { headers: { Origin: origin }, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => finish(new ScriptError(`no echo of our message on ${shown} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      if (error) reject(error);
      else resolve();
    };
    socket.on('unexpected-response', (_req, res) => finish(new ScriptError(`WebSocket upgrade to ${shown} refused with HTTP ${res.statusCode}`)));
    socket.on('error', (error) => finish(new ScriptError(`WebSocket ${shown}: ${error.message}`)));
    socket.on('close', (code) => finish(new ScriptError(`WebSocket ${shown} closed (${code}) before the echo`)));
    socket.on('open', () => socket.send(JSON.stringify({ text: identity.text })));
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === expectedLine(identity)) finish();
    });
  });
}

/**
 * The post-deploy smoke test: /healthz is healthy, a throwaway user registers, and one WebSocket message
 * makes the round trip (plain mode: the server broadcasts `user: text` to the sender too).
 */
export async function runSmoke(options: SmokeOptions): Promise<void> {
  const targets = smokeTargets(options.url, options.origin);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const identity = options.identity ?? smokeIdentity();
  await waitHealthy(targets.healthUrl, options.healthAttempts ?? 30, options.intervalMs ?? 2000, timeoutMs);
  const token = await register(targets.registerUrl, identity, timeoutMs);
  const room = options.room ?? 'smoke';
  await ensureRoom(targets.roomsUrl, room, token, timeoutMs);
  await roundTrip(targets.wsUrl(room, token), targets.origin, identity, timeoutMs);
}
