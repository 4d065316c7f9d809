/**
 * A mergeable latency histogram with logarithmic buckets (1 % relative precision), so load
 * processes can record millions of samples in constant memory and the orchestrator can merge
 * them exactly. Values are microseconds.
 */
export interface Histogram {
  /** bucket index → count; bucket i holds values in (GROWTH^(i-1), GROWTH^i]. */
  buckets: Map<number, number>;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Serialisable form (IPC, JSON). */
export interface HistogramData {
  buckets: Array<[number, number]>;
  count: number;
  sum: number;
  min: number;
  max: number;
}

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

/** An empty histogram. */
export function createHistogram(): Histogram {
  return { buckets: new Map(), count: 0, sum: 0, min: Infinity, max: -Infinity };
}

/** Bucket index for a value (values below 1 µs share bucket 0). */
export function bucketOf(value: number): number {
  return value <= 1 ? 0 : Math.ceil(Math.log(value) / LOG_GROWTH - 1e-9);
}

/** Upper bound of a bucket, in the histogram's unit. */
export function bucketUpper(index: number): number {
  return Math.pow(GROWTH, index);
}

/** Records one sample (negative values are clamped to 0). */
export function record(h: Histogram, value: number): void {
  const v = value < 0 ? 0 : value;
  const index = bucketOf(v);
  h.buckets.set(index, (h.buckets.get(index) ?? 0) + 1);
  h.count++;
  h.sum += v;
  if (v < h.min) h.min = v;
  if (v > h.max) h.max = v;
}

/** Adds every sample of `from` into `into`. */
export function merge(into: Histogram, from: Histogram): Histogram {
  for (const [index, n] of from.buckets) into.buckets.set(index, (into.buckets.get(index) ?? 0) + n);
  into.count += from.count;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  return into;
}

/**
 * The value below which a fraction `p` (0..1] of samples fall, to bucket precision (clamped to
 * the exact min and max). @returns NaN for an empty histogram.
 */
export function percentile(h: Histogram, p: number): number {
  if (h.count === 0) return NaN;
  const rank = Math.max(1, Math.ceil(p * h.count));
  const indexes = [...h.buckets.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const index of indexes) {
    seen += h.buckets.get(index)!;
    if (seen >= rank) return Math.min(h.max, Math.max(h.min, bucketUpper(index)));
  }
  return h.max;
}

/** Mean of the samples, NaN when empty. */
export function mean(h: Histogram): number {
  return h.count === 0 ? NaN : h.sum / h.count;
}

/** To a plain object for IPC or JSON. */
export function toData(h: Histogram): HistogramData {
  return { buckets: [...h.buckets.entries()], count: h.count, sum: h.sum, min: h.min, max: h.max };
}

/** From the plain object form. */
export function fromData(data: HistogramData): Histogram {
  return { buckets: new Map(data.buckets), count: data.count, sum: data.sum, min: data.count ? data.min : Infinity, max: data.count ? data.max : -Infinity };
}
