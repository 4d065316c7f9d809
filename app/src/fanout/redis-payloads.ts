/**
 * What `RedisFanOut` writes to and reads from Redis, as pure functions (no I/O): channel and key
 * names, the JSON payloads of the message and presence channels with their validation, the
 * presence hash values, the union of users, the reconnect backoff and the one-line start error.
 * Everything read from Redis is untrusted: decoders return a reason instead of throwing.
 */
import type { StoredMessage } from '../db/chat-store';

/** Version tag carried by every channel payload; a receiver ignores other versions. */
export const PAYLOAD_VERSION = 1;

/** Channel and key names under one prefix (default `shagram:`). */
export interface FanOutKeys {
  /** Pub/sub channel carrying one JSON batch per publish. */
  messages: string;
  /** Pub/sub channel carrying presence notes ("replica R changed rooms X, Y"). */
  presence: string;
  /** Set of replica ids that may have a presence hash (discovery; pruned when the hash expired). */
  replicas: string;
  /** Prefix of the per-replica presence hashes: `<prefix>presence:<replicaId>`. */
  presenceKeyPrefix: string;
}

/** The channel and key names for `prefix` (e.g. `shagram:` gives `shagram:messages`). */
export function fanOutKeys(prefix: string): FanOutKeys {
  return {
    messages: `${prefix}messages`,
    presence: `${prefix}presence`,
    replicas: `${prefix}replicas`,
    presenceKeyPrefix: `${prefix}presence:`,
  };
}

/** Replica ids: what a host name, a pid and a random suffix are made of (they become part of a key). */
const REPLICA_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True when `id` can be used as a replica id (1–128 of `A-Z a-z 0-9 . _ : -`). */
export function isValidReplicaId(id: string): boolean {
  return REPLICA_ID.test(id);
}

/** A decoded payload, or why it was rejected. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A batch as carried on the message channel. */
export interface BatchPayload {
  /** Replica that published it (for logs; every replica delivers it, the publisher included). */
  replica: string;
  messages: StoredMessage[];
}

/** A presence note: `replica`'s users changed in `rooms` (receivers re-read the union). */
export interface PresenceNote {
  replica: string;
  rooms: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail<T>(reason: string): Decoded<T> {
  return { ok: false, reason };
}

function parseJson(raw: string): Decoded<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail('not JSON');
  }
  if (!isRecord(value)) return fail('not a JSON object');
  if (value.v !== PAYLOAD_VERSION) return fail(`unknown payload version ${JSON.stringify(value.v) ?? 'undefined'}`);
  if (typeof value.r !== 'string' || !isValidReplicaId(value.r)) return fail('missing or invalid replica id');
  return { ok: true, value };
}

/** True when `value` has the shape of a {@link StoredMessage} (positive integer id, non-empty room and user). */
export function isStoredMessage(value: unknown): value is StoredMessage {
  if (!isRecord(value)) return false;
  return (
    typeof value.id === 'number' &&
    Number.isSafeInteger(value.id) &&
    value.id > 0 &&
    typeof value.room_id === 'string' &&
    value.room_id !== '' &&
    typeof value.user === 'string' &&
    value.user !== '' &&
    typeof value.text === 'string' &&
    typeof value.created_at === 'string' &&
    value.created_at !== ''
  );
}

/** `prev`, when present, is the id of an earlier message of the room: a safe integer from 0 up to below `id`. */
function validPrev(value: Record<string, unknown>): boolean {
  const prev = value.prev;
  return prev === undefined || (typeof prev === 'number' && Number.isSafeInteger(prev) && prev >= 0 && prev < (value.id as number));
}

/** Only the five fields of a message and `prev` when set, in a fixed order (other properties are not carried). */
function pickMessage(message: StoredMessage): StoredMessage {
  const picked: StoredMessage = { id: message.id, room_id: message.room_id, user: message.user, text: message.text, created_at: message.created_at };
  if (message.prev !== undefined) picked.prev = message.prev;
  return picked;
}

/**
 * Encodes a committed batch for the message channel: `{"v":1,"r":replica,"m":[messages]}`, each message
 * `{id,room_id,user,text,created_at}` plus `prev` when the engine gave it (receivers without it ignore it).
 */
export function encodeBatch(replica: string, messages: readonly StoredMessage[]): string {
  return JSON.stringify({ v: PAYLOAD_VERSION, r: replica, m: messages.map(pickMessage) });
}

/** Decodes and validates a message-channel payload (a non-empty array of well-formed messages). */
export function decodeBatch(raw: string): Decoded<BatchPayload> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const { m } = parsed.value;
  if (!Array.isArray(m) || m.length === 0) return fail('no messages');
  const messages: StoredMessage[] = [];
  for (const item of m as unknown[]) {
    if (!isStoredMessage(item) || !validPrev(item as unknown as Record<string, unknown>)) return fail('malformed message');
    messages.push(pickMessage(item));
  }
  return { ok: true, value: { replica: parsed.value.r as string, messages } };
}

/** Encodes a presence note: `{"v":1,"r":replica,"rooms":[...]}`. */
export function encodePresenceNote(replica: string, rooms: readonly string[]): string {
  return JSON.stringify({ v: PAYLOAD_VERSION, r: replica, rooms: [...rooms] });
}

/** Decodes and validates a presence note (an array of non-empty room names, possibly empty). */
export function decodePresenceNote(raw: string): Decoded<PresenceNote> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const { rooms } = parsed.value;
  if (!Array.isArray(rooms) || !rooms.every((room): room is string => typeof room === 'string' && room !== '')) {
    return fail('rooms must be an array of room names');
  }
  return { ok: true, value: { replica: parsed.value.r as string, rooms } };
}

/** Encodes one replica's users of one room (a presence hash value): a JSON array of strings. */
export function encodeUsers(users: readonly string[]): string {
  return JSON.stringify([...users]);
}

/** Decodes a presence hash value; undefined when it is not a JSON array of non-empty strings. */
export function decodeUsers(raw: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((user): user is string => typeof user === 'string' && user !== '')) return undefined;
  return value;
}

/** The distinct users of several replicas, sorted like the hub sorts (`Array.prototype.sort`). */
export function unionUsers(lists: readonly (readonly string[])[]): string[] {
  const all = new Set<string>();
  for (const list of lists) for (const user of list) all.add(user);
  return [...all].sort();
}

/** True when two user lists are equal element by element. */
export function sameUsers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((user, index) => user === b[index]);
}

/**
 * Reconnect delay for attempt `attempt` (1, 2, …): exponential from `baseMs`, capped at `capMs`,
 * plus up to 10 % of jitter (`random` in [0, 1)) so that replicas do not reconnect in lock-step.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const delay = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.round(delay + delay * 0.1 * Math.min(Math.max(random, 0), 1));
}

/** What we read of an error raised while connecting. */
export interface ConnectErrorLike {
  message?: unknown;
  code?: unknown;
  name?: unknown;
}

/**
 * The one line `start()` rejects with. Network failures read `cannot reach Redis at <display>:
 * ECONNREFUSED`; errors answered by the server (wrong password, …) read `Redis at <display>
 * refused the connection: WRONGPASS …`. `display` carries no credentials; the server's words are
 * kept to one line.
 */
export function describeConnectError(display: string, error: ConnectErrorLike | undefined): string {
  if (!error) return `cannot reach Redis at ${display}: no answer`;
  const code = typeof error.code === 'string' && /^E[A-Z0-9_]+$/.test(error.code) ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message.replace(/\s+/g, ' ').trim() : '';
  if (/^NOAUTH\b/.test(message)) return `Redis at ${display} refused the connection: a password is required (NOAUTH)`;
  if (error.name === 'ReplyError' || /^(WRONGPASS|NOAUTH|NOPERM|ERR|LOADING|MISCONF|READONLY)\b/.test(message)) {
    return `Redis at ${display} refused the connection: ${message.slice(0, 200)}`;
  }
  if (code) return `cannot reach Redis at ${display}: ${code}`;
  if (/^Unknown RESP type|^Protocol error/i.test(message)) return `cannot reach Redis at ${display}: the server there does not speak the Redis protocol`;
  return `cannot reach Redis at ${display}: ${message.slice(0, 200) || 'connection failed'}`;
}
