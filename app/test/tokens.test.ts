import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenService } from '../src/auth/tokens';
import { hashPassword, verifyPassword } from '../src/auth/passwords';

const SECRET = 'a-test-secret-that-is-long-enough-1234567890';
const service = new TokenService(SECRET, 3600);

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('TokenService', () => {
  test('issues HS256 tokens with sub, iss, iat and exp that verify back to the username', () => {
    const token = service.issue('Эмиль');
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const claims = jwt.decode(token) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'Эмиль', iss: 'shagram' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(service.verify(token)).toBe('Эмиль');
  });

  test('the key is the secret string itself: tokens signed with the string verify, and ours verify with the string', () => {
    // The service holds the secret as a KeyObject (made once, for speed); replicas and older builds that sign with
    // the plain string must stay interchangeable with it.
    const viaString = jwt.sign({ sub: 'bob', iss: 'shagram' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    expect(service.verify(viaString)).toBe('bob');
    expect(jwt.verify(service.issue('carol'), SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'carol' });
    expect(new TokenService(`${SECRET}x`, 60).verify(viaString)).toBeUndefined();
  });

  test('rejects an expired token', () => {
    const expired = jwt.sign({ sub: 'alice', iss: 'shagram', iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }, SECRET, { algorithm: 'HS256' });
    expect(service.verify(expired)).toBeUndefined();
  });

  test('rejects a tampered payload', () => {
    const [header, , signature] = service.issue('alice').split('.');
    const forged = `${header}.${b64url({ sub: 'admin', iss: 'shagram', iat: 1, exp: 9999999999 })}.${signature}`;
    expect(service.verify(forged)).toBeUndefined();
  });

  test('rejects alg "none"', () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'alice', iss: 'shagram', exp: 9999999999 })}.`;
    expect(service.verify(unsigned)).toBeUndefined();
  });

  test('rejects a token signed with the right secret but HS512', () => {
    const hs512 = jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS512', issuer: 'shagram', expiresIn: 60 });
    expect(service.verify(hs512)).toBeUndefined();
  });

  test('rejects a wrong issuer, a missing subject, a foreign secret and junk', () => {
    expect(service.verify(jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS256', issuer: 'other', expiresIn: 60 }))).toBeUndefined();
    expect(service.verify(jwt.sign({}, SECRET, { algorithm: 'HS256', issuer: 'shagram', expiresIn: 60 }))).toBeUndefined();
    expect(service.verify(new TokenService(crypto.randomBytes(32).toString('hex'), 60).issue('alice'))).toBeUndefined();
    for (const junk of ['', 'a.b.c', 'x'.repeat(5000), undefined, null]) expect(service.verify(junk)).toBeUndefined();
  });
});

describe('password hashing', () => {
  test('salted scrypt: same password, different hashes; verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
  });
});
