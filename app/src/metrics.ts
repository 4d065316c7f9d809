import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FanOut, FanOutStats } from './fanout/fan-out';

/** The server's Prometheus metrics, in a registry of its own (several servers can share a process in tests). */
export class Metrics {
  readonly registry = new Registry();

  readonly openConnections = new Gauge({ name: 'shagram_ws_connections', help: 'Open WebSocket connections', registers: [this.registry] });

  readonly messagesStored = new Counter({ name: 'shagram_messages_stored_total', help: 'Chat messages committed to the database', registers: [this.registry] });

  readonly framesRejected = new Counter({
    name: 'shagram_ws_frames_rejected_total',
    help: 'Client frames rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly upgradesRefused = new Counter({
    name: 'shagram_ws_upgrades_refused_total',
    help: 'WebSocket upgrades answered with an HTTP error instead of a connection, by reason (connection caps: account_connections, address_connections, server_connections)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly duplicatesSkipped = new Counter({
    name: 'shagram_ws_duplicates_skipped_total',
    help: 'Live messages not sent to a socket that already had them (from its since replay, or delivered twice by the fan-out)',
    registers: [this.registry],
  });

  readonly deliveryGaps = new Counter({
    name: 'shagram_delivery_gaps_total',
    help: 'Committed messages found never delivered live on this replica (a writer died between commit and publish); the room\'s sockets were closed so they replay',
    registers: [this.registry],
  });

  readonly commitBatchSize = new Histogram({
    name: 'shagram_commit_batch_messages',
    help: 'Messages committed per transaction (group commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly fanoutSeconds = new Histogram({
    name: 'shagram_broadcast_fanout_seconds',
    help: 'From a frame being received to its message being handed to every socket in the room',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly httpSeconds = new Histogram({
    name: 'shagram_http_request_duration_seconds',
    help: 'HTTP request durations by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** The counters of the fan-out in use (see {@link trackFanOut}); absent: in-process, all zero. */
  private fanOutStats: Readonly<FanOutStats> | undefined;

  readonly fanOutBatchesDelivered = this.fanOutCounter(
    'shagram_fanout_batches_delivered_total',
    'Message batches this replica received from the fan-out service (Redis) and delivered to its sockets',
    'delivered',
  );

  readonly fanOutMalformed = this.fanOutCounter(
    'shagram_fanout_malformed_total',
    'Payloads from the fan-out service (Redis) that failed validation and were ignored',
    'malformed',
  );

  readonly fanOutOutages = this.fanOutCounter(
    'shagram_fanout_outages_total',
    'Times the fan-out service (Redis) became unreachable (sockets closed with 1012 until it is back)',
    'outages',
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'shagram_' });
  }

  /** Exports the counters of `fanOut` (Redis), read at every scrape; the in-process fan-out has none. */
  trackFanOut(fanOut: Pick<FanOut, 'kind' | 'stats'>): void {
    this.fanOutStats = fanOut.stats;
  }

  /** A counter whose value is read from the tracked fan-out's stats when scraped. */
  private fanOutCounter(name: string, help: string, field: keyof FanOutStats): Counter {
    const read = () => this.fanOutStats?.[field] ?? 0;
    return new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}
