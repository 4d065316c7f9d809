/**
 * The fan-out's counters on /metrics and its warnings in the log: Metrics reads the tracked fan-out's stats at every
 * scrape; the server tracks the fan-out it runs; the Redis fan-out's warnings go to the server's pino logger.
 */
import { Writable } from 'node:stream';
import type { Config } from '../src/config/config';
import { createFanOut, redisFanOutOptions } from '../src/engines';
import type { FanOutStats } from '../src/fanout/fan-out';
import { LocalFanOut } from '../src/fanout/local-fan-out';
import { RedisFanOut } from '../src/fanout/redis-fan-out';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { startServer, type TestServer } from './helpers/server';

/** The value of an unlabelled sample in Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** A pino logger writing JSON lines into an array. */
function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('fan-out counters on /metrics', () => {
  test('zero with the in-process fan-out, which has no stats', async () => {
    const metrics = new Metrics();
    metrics.trackFanOut(new LocalFanOut());
    const text = await metrics.registry.metrics();
    expect(sample(text, 'shagram_fanout_batches_delivered_total')).toBe(0);
    expect(sample(text, 'shagram_fanout_malformed_total')).toBe(0);
    expect(sample(text, 'shagram_fanout_outages_total')).toBe(0);
  });

  test("read from the tracked fan-out's stats at every scrape", async () => {
    const metrics = new Metrics();
    const stats: FanOutStats = { delivered: 7, malformed: 2, outages: 1 };
    metrics.trackFanOut({ kind: 'redis', stats });
    let text = await metrics.registry.metrics();
    expect([sample(text, 'shagram_fanout_batches_delivered_total'), sample(text, 'shagram_fanout_malformed_total'), sample(text, 'shagram_fanout_outages_total')]).toEqual([7, 2, 1]);
    stats.delivered = 1000;
    stats.outages = 3;
    text = await metrics.registry.metrics();
    expect([sample(text, 'shagram_fanout_batches_delivered_total'), sample(text, 'shagram_fanout_malformed_total'), sample(text, 'shagram_fanout_outages_total')]).toEqual([1000, 2, 3]);
    expect(text).toContain('# TYPE shagram_fanout_outages_total counter');
  });

  describe('a running server exports the stats of the fan-out it runs', () => {
    const stats: FanOutStats = { delivered: 0, malformed: 0, outages: 0 };
    class CountingFanOut extends LocalFanOut {
      readonly stats = stats;
    }
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({}, undefined, () => ({ fanOut: new CountingFanOut() }));
    });
    afterAll(async () => {
      await server.close();
    });

    test('GET /metrics', async () => {
      stats.delivered = 42;
      stats.malformed = 5;
      stats.outages = 2;
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'shagram_fanout_batches_delivered_total')).toBe(42);
      expect(sample(text, 'shagram_fanout_malformed_total')).toBe(5);
      expect(sample(text, 'shagram_fanout_outages_total')).toBe(2);
    });
  });
});

describe('Redis fan-out warnings reach the log', () => {
  test('redisFanOutOptions logs each warning at warn level, marked as the Redis fan-out', () => {
    const { logger, lines } = memoryLogger();
    const options = redisFanOutOptions('redis://redis.example:6379', logger);
    expect(options.url).toBe('redis://redis.example:6379');
    options.onWarning!('Redis fan-out lost Redis at redis://redis.example:6379 (ECONNRESET); reconnecting');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, fanout: 'redis', msg: 'Redis fan-out lost Redis at redis://redis.example:6379 (ECONNRESET); reconnecting', service: 'shagram' }),
    ]);
  });

  test('createFanOut builds the Redis fan-out for REDIS_URL and the in-process one without it', async () => {
    const { logger } = memoryLogger();
    const redis = await createFanOut({ redisUrl: 'redis://127.0.0.1:6379' } as Config, logger);
    expect(redis).toBeInstanceOf(RedisFanOut);
    expect(redis.stats).toEqual({ delivered: 0, malformed: 0, outages: 0 });
    await redis.close();
    expect(await createFanOut({} as Config, logger)).toBeInstanceOf(LocalFanOut);
  });
});
