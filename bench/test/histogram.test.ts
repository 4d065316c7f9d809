import { bucketOf, bucketUpper, createHistogram, fromData, mean, merge, percentile, record, toData } from '../lib/histogram';

describe('latency histogram', () => {
  test('percentiles of 1..1000 are within 1 % of the exact values', () => {
    const h = createHistogram();
    for (let v = 1; v <= 1000; v++) record(h, v);
    for (const [p, exact] of [[0.5, 500], [0.95, 950], [0.99, 990], [1, 1000]] as const) {
      const got = percentile(h, p);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact * 1.0101);
    }
    expect(mean(h)).toBeCloseTo(500.5, 6);
  });

  test('a value lies at or under its bucket upper bound and above the previous one', () => {
    for (const v of [1.5, 2, 17, 999.9, 123456]) {
      const i = bucketOf(v);
      expect(v).toBeLessThanOrEqual(bucketUpper(i) * (1 + 1e-9));
      expect(v).toBeGreaterThan(bucketUpper(i - 1));
    }
  });

  test('percentiles are clamped to the exact min and max', () => {
    const h = createHistogram();
    record(h, 42);
    expect(percentile(h, 0.5)).toBe(42);
    expect(percentile(h, 0.99)).toBe(42);
  });

  test('empty histogram has no percentile or mean', () => {
    expect(percentile(createHistogram(), 0.5)).toBeNaN();
    expect(mean(createHistogram())).toBeNaN();
  });

  test('merging equals recording everything in one histogram, through the JSON form', () => {
    const a = createHistogram();
    const b = createHistogram();
    const all = createHistogram();
    for (let i = 0; i < 500; i++) {
      const v = (i * 7919) % 10007;
      record(i % 2 ? a : b, v);
      record(all, v);
    }
    const merged = merge(fromData(JSON.parse(JSON.stringify(toData(a)))), fromData(JSON.parse(JSON.stringify(toData(b)))));
    expect(merged.count).toBe(all.count);
    expect(merged.min).toBe(all.min);
    expect(merged.max).toBe(all.max);
    for (const p of [0.1, 0.5, 0.9, 0.99]) expect(percentile(merged, p)).toBe(percentile(all, p));
  });

  test('negative samples (clock skew) count as zero', () => {
    const h = createHistogram();
    record(h, -5);
    expect(h.min).toBe(0);
    expect(percentile(h, 1)).toBe(0);
  });
});
