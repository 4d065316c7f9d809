import fc from 'fast-check';
import type { StoredMessage } from '../src/db/chat-store';
import {
  PAYLOAD_VERSION,
  backoffDelay,
  decodeBatch,
  decodePresenceNote,
  decodeUsers,
  describeConnectError,
  encodeBatch,
  encodePresenceNote,
  encodeUsers,
  fanOutKeys,
  isStoredMessage,
  isValidReplicaId,
  sameUsers,
  unionUsers,
} from '../src/fanout/redis-payloads';
import { RedisUrlError, parseRedisUrl, redactRedisUrl } from '../src/fanout/redis-url';

const message = (id: number, room = 'general'): StoredMessage => ({
  id,
  room_id: room,
  user: 'alice',
  text: `hello ${id}`,
  created_at: '2026-11-25T10:00:00.000Z',
});

describe('fanOutKeys', () => {
  test('names every channel and key under the prefix', () => {
    expect(fanOutKeys('shagram:')).toEqual({
      messages: 'shagram:messages',
      presence: 'shagram:presence',
      replicas: 'shagram:replicas',
      presenceKeyPrefix: 'shagram:presence:',
    });
    expect(fanOutKeys('t1:').messages).toBe('t1:messages');
  });
});

describe('isValidReplicaId', () => {
  test.each(['web-1', 'host.example-123-abcd', 'a', 'pod_7:x', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(isValidReplicaId(id)).toBe(true);
  });
  test.each(['', 'a b', 'a/b', 'x'.repeat(129), 'é', 'a\nb', '{id}'])('rejects %j', (id) => {
    expect(isValidReplicaId(id)).toBe(false);
  });
});

describe('isStoredMessage', () => {
  test('accepts a stored message, empty text included', () => {
    expect(isStoredMessage(message(1))).toBe(true);
    expect(isStoredMessage({ ...message(1), text: '' })).toBe(true);
  });
  test.each<[string, unknown]>([
    ['null', null],
    ['an array', [message(1)]],
    ['a string', 'x'],
    ['id 0', { ...message(1), id: 0 }],
    ['negative id', { ...message(1), id: -3 }],
    ['fractional id', { ...message(1), id: 1.5 }],
    ['id as string', { ...message(1), id: '1' }],
    ['unsafe id', { ...message(1), id: 2 ** 60 }],
    ['NaN id', { ...message(1), id: Number.NaN }],
    ['empty room', { ...message(1), room_id: '' }],
    ['missing room', { id: 1, user: 'a', text: 't', created_at: 'c' }],
    ['empty user', { ...message(1), user: '' }],
    ['numeric text', { ...message(1), text: 5 }],
    ['missing created_at', { id: 1, room_id: 'r', user: 'a', text: 't' }],
    ['empty created_at', { ...message(1), created_at: '' }],
  ])('rejects %s', (_name, value) => {
    expect(isStoredMessage(value)).toBe(false);
  });
});

describe('batch payloads', () => {
  test('round-trip keeps order, rooms and Unicode', () => {
    const batch = [message(3, 'b'), message(1, 'a'), { ...message(2), user: 'Эмиль', text: 'привет 👋 "quoted"\n' }];
    const raw = encodeBatch('web-1', batch);
    expect(JSON.parse(raw)).toMatchObject({ v: PAYLOAD_VERSION, r: 'web-1' });
    expect(decodeBatch(raw)).toEqual({ ok: true, value: { replica: 'web-1', messages: batch } });
  });

  test('extra properties are not carried', () => {
    const withExtra = { ...message(1), secret: 'x' } as StoredMessage;
    const raw = encodeBatch('r', [withExtra]);
    expect(raw).not.toContain('secret');
    const decoded = decodeBatch(JSON.stringify({ v: 1, r: 'r', m: [withExtra] }));
    expect(decoded.ok && decoded.value.messages[0]).toEqual(message(1));
  });

  test('prev (the room\'s previous committed id) is carried when set, and only then', () => {
    const batch = [{ ...message(7), prev: 5 }, { ...message(8, 'b'), prev: 0 }, message(9)];
    const raw = encodeBatch('r', batch);
    expect(decodeBatch(raw)).toEqual({ ok: true, value: { replica: 'r', messages: batch } });
    const decoded = decodeBatch(raw);
    expect(decoded.ok && 'prev' in decoded.value.messages[2]!).toBe(false);
  });

  test.each<[string, string, RegExp]>([
    ['a prev that is not a number', JSON.stringify({ v: 1, r: 'r', m: [{ ...message(3), prev: '2' }] }), /malformed message/],
    ['a negative prev', JSON.stringify({ v: 1, r: 'r', m: [{ ...message(3), prev: -1 }] }), /malformed message/],
    ['a prev not below the id', JSON.stringify({ v: 1, r: 'r', m: [{ ...message(3), prev: 3 }] }), /malformed message/],
    ['a fractional prev', JSON.stringify({ v: 1, r: 'r', m: [{ ...message(3), prev: 1.5 }] }), /malformed message/],
    ['not JSON', '{"v":1', /not JSON/],
    ['empty string', '', /not JSON/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['a JSON number', '42', /not a JSON object/],
    ['another version', JSON.stringify({ v: 2, r: 'r', m: [message(1)] }), /version 2/],
    ['no version', JSON.stringify({ r: 'r', m: [message(1)] }), /version undefined/],
    ['no replica', JSON.stringify({ v: 1, m: [message(1)] }), /replica/],
    ['bad replica', JSON.stringify({ v: 1, r: 'a b', m: [message(1)] }), /replica/],
    ['no messages', JSON.stringify({ v: 1, r: 'r' }), /no messages/],
    ['empty messages', JSON.stringify({ v: 1, r: 'r', m: [] }), /no messages/],
    ['messages not an array', JSON.stringify({ v: 1, r: 'r', m: { 0: message(1) } }), /no messages/],
    ['one bad message', JSON.stringify({ v: 1, r: 'r', m: [message(1), { ...message(2), id: 'x' }] }), /malformed message/],
  ])('rejects %s', (_name, raw, reason) => {
    const decoded = decodeBatch(raw);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  test('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify(value))), (raw) => {
        const decoded = decodeBatch(raw);
        if (decoded.ok) expect(decoded.value.messages.every(isStoredMessage)).toBe(true);
      }),
    );
  });

  test('round-trips any well-formed batch (property)', () => {
    const arbMessage = fc.record({
      id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      room_id: fc.string({ minLength: 1 }),
      user: fc.string({ minLength: 1 }),
      text: fc.string(),
      created_at: fc.string({ minLength: 1 }),
    });
    fc.assert(
      fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 20 }), (batch) => {
        expect(decodeBatch(encodeBatch('r-1', batch))).toEqual({ ok: true, value: { replica: 'r-1', messages: batch } });
      }),
    );
  });
});

describe('presence notes', () => {
  test('round-trip', () => {
    expect(decodePresenceNote(encodePresenceNote('web-2', ['general', 'ops']))).toEqual({
      ok: true,
      value: { replica: 'web-2', rooms: ['general', 'ops'] },
    });
    expect(decodePresenceNote(encodePresenceNote('web-2', []))).toEqual({ ok: true, value: { replica: 'web-2', rooms: [] } });
  });

  test.each<[string, string]>([
    ['not JSON', 'nope'],
    ['no rooms', JSON.stringify({ v: 1, r: 'r' })],
    ['rooms not an array', JSON.stringify({ v: 1, r: 'r', rooms: 'general' })],
    ['a numeric room', JSON.stringify({ v: 1, r: 'r', rooms: ['general', 3] })],
    ['an empty room', JSON.stringify({ v: 1, r: 'r', rooms: [''] })],
    ['another version', JSON.stringify({ v: 0, r: 'r', rooms: [] })],
    ['no replica', JSON.stringify({ v: 1, rooms: [] })],
  ])('rejects %s', (_name, raw) => {
    expect(decodePresenceNote(raw).ok).toBe(false);
  });

  test('never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (raw) => void decodePresenceNote(raw)));
  });
});

describe('presence hash values', () => {
  test('round-trip', () => {
    expect(decodeUsers(encodeUsers(['alice', 'Эмиль']))).toEqual(['alice', 'Эмиль']);
    expect(decodeUsers(encodeUsers([]))).toEqual([]);
  });
  test.each(['', 'x', '{}', '"alice"', '[1]', '["a",null]', '[""]', 'null', '[["a"]]'])('rejects %j', (raw) => {
    expect(decodeUsers(raw)).toBeUndefined();
  });
});

describe('unionUsers and sameUsers', () => {
  test('union is distinct and sorted like Array.prototype.sort', () => {
    expect(unionUsers([['bob', 'alice'], ['alice', 'carol'], [], ['Zed', 'Эмиль']])).toEqual(['Zed', 'alice', 'bob', 'carol', 'Эмиль']);
    expect(unionUsers([])).toEqual([]);
  });

  test('union properties: sorted, distinct, contains exactly the inputs (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 6 }), { maxLength: 5 }), (lists) => {
        const union = unionUsers(lists);
        expect(new Set(union).size).toBe(union.length);
        expect(union).toEqual([...union].sort());
        expect(new Set(union)).toEqual(new Set(lists.flat()));
        expect(unionUsers([...lists].reverse())).toEqual(union);
      }),
    );
  });

  test('sameUsers compares element by element', () => {
    expect(sameUsers([], [])).toBe(true);
    expect(sameUsers(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameUsers(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameUsers(['a'], ['a', 'b'])).toBe(false);
  });
});

describe('backoffDelay', () => {
  test('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50, 10_000].map((attempt) => backoffDelay(attempt, 100, 2000, 0))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000, 2000,
    ]);
  });
  test('adds at most 10 % jitter and treats odd attempts sanely', () => {
    expect(backoffDelay(1, 100, 2000, 0.999)).toBe(110);
    expect(backoffDelay(10, 100, 2000, 1)).toBe(2200);
    expect(backoffDelay(0, 100, 2000, 0)).toBe(100);
    expect(backoffDelay(-5, 100, 2000, 5)).toBe(110);
  });
  test('is bounded by 1.1 × cap for every attempt (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, random) => {
        const delay = backoffDelay(attempt, 100, 2000, random);
        expect(delay).toBeGreaterThanOrEqual(100);
        expect(delay).toBeLessThanOrEqual(2200);
      }),
    );
  });
});

describe('describeConnectError', () => {
  const at = 'redis://db.internal:6379';
  test('network errors name the code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), { code: 'ECONNREFUSED' });
    expect(describeConnectError(at, refused)).toBe('cannot reach Redis at redis://db.internal:6379: ECONNREFUSED');
    expect(describeConnectError(at, Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND' }))).toBe(
      'cannot reach Redis at redis://db.internal:6379: ENOTFOUND',
    );
    expect(describeConnectError(at, Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toMatch(/: ETIMEDOUT$/);
  });
  test('server refusals keep the server words on one line', () => {
    const wrongPass = Object.assign(new Error('WRONGPASS invalid username-password pair\nor user is disabled.'), { name: 'ReplyError' });
    expect(describeConnectError(at, wrongPass)).toBe(
      'Redis at redis://db.internal:6379 refused the connection: WRONGPASS invalid username-password pair or user is disabled.',
    );
    expect(describeConnectError(at, new Error('NOAUTH HELLO must be called with the client already authenticated'))).toBe(
      'Redis at redis://db.internal:6379 refused the connection: a password is required (NOAUTH)',
    );
  });
  test('non-Redis servers, unknown errors and no error are still one line', () => {
    expect(describeConnectError(at, new Error('Unknown RESP type 72 "H". Please report this.'))).toMatch(/does not speak the Redis protocol$/);
    expect(describeConnectError(at, new Error('Connection is closed.'))).toBe('cannot reach Redis at redis://db.internal:6379: Connection is closed.');
    expect(describeConnectError(at, undefined)).toBe('cannot reach Redis at redis://db.internal:6379: no answer');
    expect(describeConnectError(at, {})).toBe('cannot reach Redis at redis://db.internal:6379: connection failed');
    expect(describeConnectError(at, new Error('x'.repeat(1000))).length).toBeLessThan(260);
    for (const line of [describeConnectError(at, new Error('a\nb\r\nc')), describeConnectError(at, { message: 'ERR x\ny' })]) {
      expect(line).not.toMatch(/[\r\n]/);
    }
  });
});

describe('parseRedisUrl', () => {
  test('defaults: port 6379, db 0, no TLS, no credentials', () => {
    expect(parseRedisUrl('redis://cache')).toEqual({ host: 'cache', port: 6379, db: 0, tls: false, display: 'redis://cache:6379' });
  });
  test('port, db, TLS, credentials (decoded) and a display without them', () => {
    expect(parseRedisUrl('rediss://app:p%40ss%3Aword@redis.example.com:6380/2')).toEqual({
      host: 'redis.example.com',
      port: 6380,
      db: 2,
      tls: true,
      username: 'app',
      password: 'p@ss:word',
      display: 'rediss://redis.example.com:6380/2',
    });
    expect(parseRedisUrl('redis://:only-pass@127.0.0.1:7000/')).toEqual({
      host: '127.0.0.1',
      port: 7000,
      db: 0,
      tls: false,
      password: 'only-pass',
      display: 'redis://127.0.0.1:7000',
    });
  });
  test('IPv6 hosts lose their brackets but keep them in the display', () => {
    const target = parseRedisUrl('redis://[::1]:6390');
    expect(target.host).toBe('::1');
    expect(target.display).toBe('redis://[::1]:6390');
  });
  test('surrounding blanks are ignored', () => {
    expect(parseRedisUrl('  redis://cache:1/3 \n').display).toBe('redis://cache:1/3');
  });
  test.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['cache:6379', /redis:\/\/ or rediss:\/\/ \(got cache:\/\/\)/],
    ['localhost', /not a valid URL/],
    ['http://cache:6379', /redis:\/\/ or rediss:\/\/ \(got http:\/\/\)/],
    ['unix:///run/redis.sock', /redis:\/\/ or rediss:\/\//],
    ['redis://', /no host/],
    ['redis://:secret@:6379', /no host|not a valid URL/],
    ['redis://cache:0', /invalid port/],
    ['redis://cache:99999', /not a valid URL|invalid port/],
    ['redis://cache/abc', /database index/],
    ['redis://cache/1/2', /database index/],
    ['redis://cache?db=1', /query parameters/],
    ['redis://cache#x', /query parameters/],
    ['redis://user@cache', /user name but no password/],
    ['redis://:%E0%A4%A@cache', /badly encoded password/],
  ])('rejects %j with a readable line', (url, reason) => {
    let error: unknown;
    try {
      parseRedisUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RedisUrlError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toMatch(/\n/);
  });
  test('no error message ever contains the password', () => {
    const secret = 'Sup3rSecret';
    for (const url of [
      `http://u:${secret}@cache`,
      `redis://u:${secret}@cache/abc`,
      `redis://u:${secret}@cache?x=1`,
      `redis://u:${secret}@cache:0`,
      `redis://:${secret}@`,
      `redis//:${secret}@cache`,
      `${secret}`,
    ]) {
      try {
        parseRedisUrl(url);
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
        continue;
      }
      throw new Error(`expected ${url.replace(secret, '***')} to be rejected`);
    }
  });
});

describe('redactRedisUrl', () => {
  test('hides the password, keeps the rest', () => {
    expect(redactRedisUrl('redis://app:secret@cache:6379/1')).toBe('redis://app:***@cache:6379/1');
    expect(redactRedisUrl('redis://:secret@cache')).toBe('redis://:***@cache');
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
  test('an unparsable URL is not echoed', () => {
    expect(redactRedisUrl('not a url secret')).toBe('<invalid Redis URL>');
  });
});
