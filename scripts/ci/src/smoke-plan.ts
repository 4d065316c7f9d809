import crypto from 'node:crypto';
import { ScriptError } from '../../lib/cli';

/** Where the smoke test talks to, derived from the chat's public URL. */
export interface SmokeTargets {
  healthUrl: string;
  registerUrl: string;
  /** POST here creates a room (joining a room that does not exist is refused). */
  roomsUrl: string;
  /** `Origin` header for the WebSocket upgrade (must be in the server's WS_ALLOWED_ORIGINS). */
  origin: string;
  /** WebSocket URL of a room, token included. */
  wsUrl(room: string, token: string): string;
}

/** Builds the smoke test's URLs from the chat's base URL (http(s)://host[:port][/]). Pure. */
export function smokeTargets(baseUrl: string, origin?: string): SmokeTargets {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ScriptError(`"${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ScriptError(`"${baseUrl}" must be an http(s) URL`);
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const wsBase = base.replace(/^http/, 'ws');
  return {
    healthUrl: `${base}/healthz`,
    registerUrl: `${base}/api/auth/register`,
    roomsUrl: `${base}/api/rooms`,
    origin: origin ?? url.origin,
    wsUrl: (room, token) => `${wsBase}/ws/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`,
  };
}

/** A throwaway account and the line it sends. */
export interface SmokeIdentity {
  username: string;
  password: string;
  text: string;
}

/** A fresh throwaway user (valid name: letters, digits, `-`; at most 32 characters) and message. Pure given `random`. */
export function smokeIdentity(random: (bytes: number) => Buffer = crypto.randomBytes): SmokeIdentity {
  const id = random(6).toString('hex');
  return { username: `smoke-${id}`, password: random(18).toString('base64url'), text: `smoke test ${id}` };
}

/** What the server broadcasts back in plain mode for our message: `user: text`. Pure. */
export function expectedLine(identity: SmokeIdentity): string {
  return `${identity.username}: ${identity.text}`;
}
