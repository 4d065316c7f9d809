import fc from 'fast-check';
import { displayUsername, legacyUsernameKey, skeleton, usernameKey } from '../src/auth/usernames';
import { passwordProblem } from '../src/auth/password-policy';
import { credentialsSchema, firstIssue } from '../src/validation';

describe('usernameKey', () => {
  test.each([
    ['alice', '\u0430lice'], ['alice', '\uff41lice'], ['alice', 'ALICE'], ['alice', 'aIice'], ['alice', 'a1ice'],
    ['paypal', 'PayPaI'], ['paypal', '\u0440\u0430\u0443\u0440\u0430l'], ['bob', 'b0b'], ['modern', 'rnodern'], ['Эмиль', 'ЭМИЛЬ'],
  ])('%j and %j share a key', (a, b) => {
    expect(usernameKey(a)).toBe(usernameKey(b));
  });

  test.each([['alice', 'alicia'], ['bob', 'rob'], ['Эмиль', 'Emil'], ['anna', 'ann']])('%j and %j do not', (a, b) => {
    expect(usernameKey(a)).not.toBe(usernameKey(b));
  });

  test('skeleton maps through confusables.txt; display form is NFKC', () => {
    expect(skeleton('\u0430')).toBe('a');
    expect(skeleton('1')).toBe('l');
    expect(displayUsername('\uff41\uff42\uff43')).toBe('abc');
    expect(legacyUsernameKey('ÉVA')).toBe('éva');
  });

  test('property: a key is stable (the key of a key is itself) and ignores ASCII case', () => {
    const letters = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-\u0430\u0435\u043e\u0440\u0441\u0445\u0456\u03b1\u03bf\uff41\uff4c\u00e9\u00df\u0131'.split(''));
    fc.assert(
      fc.property(fc.array(letters, { minLength: 1, maxLength: 32 }).map((a) => a.join('')), (name) => {
        const key = usernameKey(name);
        expect(usernameKey(key)).toBe(key);
        if (/^[\x20-\x7e]*$/.test(name)) expect(usernameKey(name.toUpperCase())).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  test('property: any string gives a key without throwing, and registration validation never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), (name, password) => {
        expect(typeof usernameKey(name)).toBe('string');
        const parsed = credentialsSchema.safeParse({ username: name, password });
        if (!parsed.success) expect(typeof firstIssue(parsed.error)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

describe('passwordProblem', () => {
  test('names each rule', () => {
    expect(passwordProblem('          ')).toMatch(/whitespace/);
    expect(passwordProblem('ILOVEYOU')).toMatch(/too common/);
    expect(passwordProblem('Alice.Smith', 'alice.smith')).toBe('password must not be the username');
    expect(passwordProblem('lantern-otter-9', 'alice')).toBeUndefined();
  });

  test('property: a password of 8+ whitespace characters is always refused as whitespace', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\u200b'), { minLength: 8, maxLength: 40 }), (chars) => {
        const parsed = credentialsSchema.safeParse({ username: 'someone', password: chars.join('') });
        expect(parsed.success).toBe(false);
        if (!parsed.success) expect(firstIssue(parsed.error)).toBe('password must not be only whitespace');
      }),
    );
  });
});
