import type { StoredMessage } from '../db/chat-store';
import { MAX_TEXT_CHARS } from '../validation';

/** The subprotocol that switches a connection from plain lines to JSON events. */
export const JSON_SUBPROTOCOL = 'shagram.json';

/** Error codes sent to JSON-mode clients. */
export type ErrorCode = 'too_long' | 'bad_frame' | 'rate_limited' | 'unavailable';

/** What to do with one client frame. */
export type ClientFrame =
  | { kind: 'message'; text: string }
  | { kind: 'ignore' }
  | { kind: 'reject'; code: ErrorCode; message: string };

function codePoints(text: string): number {
  // Fast path: a string of at most MAX_TEXT_CHARS UTF-16 units cannot hold more code points.
  if (text.length <= MAX_TEXT_CHARS) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Interprets a client frame: `{"text": "..."}`, trimmed. Empty text is ignored; non-JSON or
 * a frame without a string `text` is a `bad_frame`; more than 4000 characters is `too_long`.
 */
export function parseClientFrame(data: Buffer | string, isBinary: boolean): ClientFrame {
  if (isBinary) return { kind: 'reject', code: 'bad_frame', message: 'frames must be JSON text: {"text": "..."}' };
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return { kind: 'reject', code: 'bad_frame', message: 'frames must be JSON text: {"text": "..."}' };
  }
  if (typeof value !== 'object' || value === null || typeof (value as { text?: unknown }).text !== 'string') {
    return { kind: 'reject', code: 'bad_frame', message: 'a frame needs a string "text" field' };
  }
  const text = (value as { text: string }).text.trim();
  if (text === '') return { kind: 'ignore' };
  if (codePoints(text) > MAX_TEXT_CHARS) {
    return { kind: 'reject', code: 'too_long', message: `a message holds at most ${MAX_TEXT_CHARS} characters` };
  }
  return { kind: 'message', text };
}

/** Longest frame that can be a typing signal (`{"type":"typing"}` with room for whitespace): longer ones are never parsed as one. */
export const MAX_TYPING_FRAME_BYTES = 64;

/**
 * True for the JSON-mode typing signal `{"type":"typing"}` (an object whose `type` is exactly `"typing"`; nothing
 * else is read from it). Only short text frames are parsed, so the check costs nothing before the rate limit.
 */
export function isTypingFrame(data: Buffer | string, isBinary: boolean): boolean {
  if (isBinary || data.length > MAX_TYPING_FRAME_BYTES) return false;
  try {
    const value: unknown = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { type?: unknown }).type === 'typing';
  } catch {
    return false;
  }
}

/** JSON-mode typing event: `user` is writing in `room` (never stored, never sent to plain readers). */
export function typingEvent(room: string, user: string): string {
  return JSON.stringify({ type: 'typing', room, user });
}

/**
 * What a plain line must not carry: C0 controls (LF, CR, TAB, ESC, …), DEL, C1 controls (NEL U+0085 among
 * them) and the Unicode line and paragraph separators U+2028 / U+2029. Any of them could make one message
 * look like several lines from several people, or steer the reader's terminal.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_PLAIN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const UNSAFE_IN_PLAIN_ALL = new RegExp(UNSAFE_IN_PLAIN.source, 'g');
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A message text as a plain reader gets it: line breaks and other control characters are written as
 * visible escapes (`\n`, `\r`, `\t`, else `\uXXXX`), so a message is always exactly one line, from
 * its author. Text without them (nearly all) is returned as is. JSON mode keeps the text unchanged.
 */
export function plainText(text: string): string {
  if (!UNSAFE_IN_PLAIN.test(text)) return text;
  return text.replace(UNSAFE_IN_PLAIN_ALL, (ch) => NAMED_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Seed-compatible plain line: `alice: hello` (the text escaped by {@link plainText}). */
export function plainLine(message: StoredMessage): string {
  return `${message.user}: ${plainText(message.text)}`;
}

/** JSON-mode message event. */
export function messageEvent(message: StoredMessage): string {
  return JSON.stringify({
    type: 'message',
    id: message.id,
    room: message.room_id,
    user: message.user,
    text: message.text,
    created_at: message.created_at,
  });
}

/** JSON-mode presence event: who is in the room (distinct names, sorted). */
export function presenceEvent(room: string, users: string[]): string {
  return JSON.stringify({ type: 'presence', room, users });
}

/**
 * JSON-mode end-of-replay event, sent after the `since` replay and before any live message. `complete` says the
 * replay sent every message after `since` up to the moment the socket went live. When the replay stopped at its
 * cap, `complete` is false and the socket was not sent the messages with `last_id < id < next_before`: the client
 * reads them with `GET /api/messages/:room?before=<next_before>`; everything from `next_before` on comes live.
 */
export function replayEvent(room: string, lastId: number, nextBefore?: number): string {
  return nextBefore === undefined
    ? JSON.stringify({ type: 'replay', room, complete: true, last_id: lastId })
    : JSON.stringify({ type: 'replay', room, complete: false, last_id: lastId, next_before: nextBefore });
}

/** JSON-mode error event. */
export function errorEvent(code: ErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', code, message });
}
