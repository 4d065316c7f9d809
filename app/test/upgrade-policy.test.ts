/** decideUpgrade: the pure decision on a WebSocket upgrade, with a real TokenService. */
import jwt from 'jsonwebtoken';
import { TokenService } from '../src/auth/tokens';
import { decideUpgrade } from '../src/ws/upgrade-policy';

const SECRET = 'upgrade-policy-test-secret-0123456789abcdef';
const tokens = new TokenService(SECRET, 3600);
const token = tokens.issue('alice');
const ORIGIN = 'https://chat.example.com';
const allowed = new Set([ORIGIN, 'http://localhost:8080']);

const decide = (url: string | undefined, origin: string | undefined) => decideUpgrade(url, origin, tokens, allowed);

describe('decideUpgrade', () => {
  test('accepts /ws/<room> with a valid token and an allowed Origin', () => {
    expect(decide(`/ws/general?token=${token}`, ORIGIN)).toMatchObject({ ok: true, room: 'general', user: 'alice', since: undefined });
    expect(decide(`/ws/dev/?token=${token}`, 'http://localhost:8080')).toMatchObject({ ok: true, room: 'dev', user: 'alice', since: undefined });
  });

  test("the decision carries the token's claims (verified once: the gateway keeps them for revocation)", () => {
    const decision = decide(`/ws/general?token=${token}`, ORIGIN);
    if (!decision.ok) throw new Error(decision.message);
    expect(decision.claims).toEqual(tokens.verifyClaims(token));
    expect(decision.claims.username).toBe('alice');
  });

  test('a percent-encoded room is decoded before it is checked', () => {
    expect(decide(`/ws/%67eneral?token=${token}`, ORIGIN)).toMatchObject({ ok: true, room: 'general' });
    expect(decide(`/ws/%E0%A4%A?token=${token}`, ORIGIN)).toEqual({ ok: false, status: 400, message: 'invalid room name' });
  });

  test('since: a message id, 0 included; anything else is 400', () => {
    expect(decide(`/ws/general?token=${token}&since=0`, ORIGIN)).toMatchObject({ ok: true, since: 0 });
    expect(decide(`/ws/general?token=${token}&since=123456789012345`, ORIGIN)).toMatchObject({ ok: true, since: 123456789012345 });
    for (const since of ['-1', '1.5', 'abc', '', '1234567890123456', '1e3']) {
      expect(decide(`/ws/general?token=${token}&since=${encodeURIComponent(since)}`, ORIGIN)).toEqual({ ok: false, status: 400, message: 'since must be a message id' });
    }
  });

  test('404 for any other path, checked before anything else', () => {
    for (const url of ['/', '/ws', '/ws/', '/ws/general/extra', '/WS/general', '/api/ws/general', undefined]) {
      expect(decide(url === undefined ? undefined : `${url}?token=${token}`, undefined)).toEqual({ ok: false, status: 404, message: 'not found' });
    }
  });

  test('400 for an invalid room name, before the token is looked at', () => {
    for (const room of ['General', '-dev', 'a'.repeat(33), 'café', 'a.b']) {
      expect(decide(`/ws/${encodeURIComponent(room)}`, undefined)).toEqual({ ok: false, status: 400, message: 'invalid room name' });
    }
    expect(decide(`/ws/${'a'.repeat(32)}?token=${token}`, ORIGIN)).toMatchObject({ ok: true });
  });

  test('401 without a valid token: missing, tampered, expired, another secret, alg none', () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      '',
      token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'),
      jwt.sign({ sub: 'alice', iss: 'shagram', exp: now - 10 }, SECRET, { algorithm: 'HS256' }),
      new TokenService('another-secret-another-secret-0123456789', 3600).issue('alice'),
      jwt.sign({ sub: 'alice', iss: 'shagram' }, '', { algorithm: 'none' }),
    ];
    expect(decide('/ws/general', ORIGIN)).toEqual({ ok: false, status: 401, message: 'a valid token is required' });
    for (const t of bad) expect(decide(`/ws/general?token=${encodeURIComponent(t)}`, ORIGIN)).toEqual({ ok: false, status: 401, message: 'a valid token is required' });
  });

  test('403 when Origin is missing or not exactly an allowed one; the token is checked first', () => {
    for (const origin of [undefined, '', 'https://evil.example', 'https://chat.example.com:443', 'https://chat.example.com/', 'HTTPS://CHAT.EXAMPLE.COM', 'null']) {
      expect(decide(`/ws/general?token=${token}`, origin)).toEqual({ ok: false, status: 403, message: 'origin not allowed' });
    }
    expect(decide('/ws/general?token=nope', 'https://evil.example')).toMatchObject({ status: 401 });
  });

  test('the since check comes last: a bad since with a bad Origin is 403', () => {
    expect(decide(`/ws/general?token=${token}&since=x`, 'https://evil.example')).toMatchObject({ status: 403 });
  });
});
