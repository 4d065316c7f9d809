import type { Rate } from '../config/rate';

/**
 * A token bucket: `rate.count` messages may burst, and the bucket refills at
 * `rate.count` per `rate.windowMs`. One per account, shared by its connections (see connection-limits.ts).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.count;
    this.updatedAt = now();
  }

  /** Takes one token. @returns false when the bucket is empty (the frame must be dropped). */
  take(): boolean {
    const now = this.now();
    const refill = ((now - this.updatedAt) * this.rate.count) / this.rate.windowMs;
    this.tokens = Math.min(this.rate.count, this.tokens + refill);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket has refilled completely (forgetting it would give nothing away). */
  isFull(): boolean {
    return this.tokens + ((this.now() - this.updatedAt) * this.rate.count) / this.rate.windowMs >= this.rate.count;
  }
}
