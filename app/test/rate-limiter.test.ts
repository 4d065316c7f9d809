/** TokenBucket: burst, refill and cap, on an injected clock. */
import { TokenBucket } from '../src/ws/rate-limiter';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeAll = (bucket: TokenBucket, max = 1000): number => {
  let taken = 0;
  while (taken < max && bucket.take()) taken++;
  return taken;
};

describe('TokenBucket', () => {
  test('a full bucket allows a burst of `count`, then refuses', () => {
    const c = clock();
    const bucket = new TokenBucket({ count: 20, windowMs: 10_000 }, c.now);
    expect(takeAll(bucket)).toBe(20);
    expect(bucket.take()).toBe(false);
  });

  test('refills at count per window: one token every windowMs/count', () => {
    const c = clock();
    const bucket = new TokenBucket({ count: 20, windowMs: 10_000 }, c.now);
    takeAll(bucket);
    c.advance(499);
    expect(bucket.take()).toBe(false);
    c.advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    c.advance(5_000);
    expect(takeAll(bucket)).toBe(10);
  });

  test('refused attempts do not consume anything, and partial refills accumulate', () => {
    const c = clock();
    const bucket = new TokenBucket({ count: 2, windowMs: 1_000 }, c.now);
    takeAll(bucket);
    for (let i = 0; i < 4; i++) {
      c.advance(100);
      expect(bucket.take()).toBe(false);
    }
    c.advance(100); // 500 ms in total: one token
    expect(bucket.take()).toBe(true);
  });

  test('never holds more than count, however long it was idle', () => {
    const c = clock();
    const bucket = new TokenBucket({ count: 3, windowMs: 1_000 }, c.now);
    c.advance(3_600_000);
    expect(takeAll(bucket)).toBe(3);
  });

  test('isFull: true until a token is taken, then again once the whole burst has refilled', () => {
    const c = clock();
    const bucket = new TokenBucket({ count: 4, windowMs: 1_000 }, c.now);
    expect(bucket.isFull()).toBe(true);
    bucket.take();
    expect(bucket.isFull()).toBe(false);
    c.advance(249);
    expect(bucket.isFull()).toBe(false);
    c.advance(1);
    expect(bucket.isFull()).toBe(true);
    takeAll(bucket);
    c.advance(999);
    expect(bucket.isFull()).toBe(false);
    c.advance(1);
    expect(bucket.isFull()).toBe(true);
  });

  test('the default clock is the real one', () => {
    const bucket = new TokenBucket({ count: 1, windowMs: 3_600_000 });
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});
