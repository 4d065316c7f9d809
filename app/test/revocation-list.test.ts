import { RevocationList } from '../src/auth/revocation';

describe('RevocationList', () => {
  let now = 1000;
  const clock = () => now;
  beforeEach(() => {
    now = 1000;
  });

  test('a revoked token id is refused until its exp, then dropped by prune', () => {
    const list = new RevocationList(10, clock);
    expect(list.apply({ username: 'a', jti: 't1', min_epoch: null, expires_at: 1100 })).toBe(true);
    expect(list.apply({ username: 'a', jti: 't1', min_epoch: null, expires_at: 1100 })).toBe(false);
    expect(list.isRevoked({ username: 'a', jti: 't1', epoch: 0 })).toBe(true);
    expect(list.isRevoked({ username: 'a', jti: 't2', epoch: 0 })).toBe(false);
    now = 1099;
    expect(list.prune()).toBe(0);
    now = 1100;
    expect(list.prune()).toBe(1);
    expect(list.size).toEqual({ tokens: 0, accounts: 0 });
  });

  test('an epoch refuses every older token of that account only; a lower epoch never lowers it', () => {
    const list = new RevocationList(10, clock);
    expect(list.apply({ username: 'a', jti: null, min_epoch: 2, expires_at: 5000 })).toBe(true);
    expect(list.isRevoked({ username: 'a', jti: 'x', epoch: 1 })).toBe(true);
    expect(list.isRevoked({ username: 'a', jti: undefined, epoch: 2 })).toBe(false);
    expect(list.isRevoked({ username: 'b', jti: undefined, epoch: 0 })).toBe(false);
    expect(list.apply({ username: 'a', jti: null, min_epoch: 1, expires_at: 6000 })).toBe(false);
    expect(list.isRevoked({ username: 'a', jti: undefined, epoch: 1 })).toBe(true);
    now = 5000;
    expect(list.prune()).toBe(0); // kept to the later expiry
    now = 6000;
    expect(list.prune()).toBe(1);
  });

  test('an expired revocation is not applied; a full list says so until expired ids make room', () => {
    const list = new RevocationList(2, clock);
    expect(list.apply({ username: 'a', jti: 'old', min_epoch: null, expires_at: 900 })).toBe(false);
    list.apply({ username: 'a', jti: 't1', min_epoch: null, expires_at: 1010 });
    expect(list.hasRoomForToken()).toBe(true);
    list.apply({ username: 'a', jti: 't2', min_epoch: null, expires_at: 2000 });
    expect(list.hasRoomForToken()).toBe(false);
    now = 1010;
    expect(list.hasRoomForToken()).toBe(true);
    expect(list.size.tokens).toBe(1);
  });
});
