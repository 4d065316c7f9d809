import type { ChatStore, NewMessage, StoredMessage } from '../db/chat-store';
import type { FanOut } from '../fanout/fan-out';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import type { Peer } from './peer';
import { errorEvent } from './frames';
import { encodeTextFrame } from './text-frame';

interface Pending extends NewMessage {
  sender: Peer;
  receivedAt: number;
}

/** Sent to the senders of a batch whose commit failed: nothing of it was stored. */
const NOT_STORED = encodeTextFrame(errorEvent('unavailable', 'the message could not be stored; please send it again'));
/** Sent to the senders of a batch that was stored but could not be published live. */
const NOT_DELIVERED = encodeTextFrame(
  errorEvent('unavailable', 'the message was stored but live delivery is interrupted; it will be replayed when you reconnect'),
);

/**
 * Group commit: every message received while no commit is running (one event-loop turn with
 * SQLite; one database round trip with PostgreSQL) is committed in one transaction, and only
 * after that commit is the batch published, with its database ids, through the fan-out.
 * Nothing reaches a client before its row is durable. One commit runs at a time, so a sender's
 * messages keep their order.
 */
export class MessageWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly store: ChatStore,
    private readonly fanOut: FanOut,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Queues a message from `sender`; it is committed and published as soon as possible. */
  enqueue(sender: Peer, text: string): void {
    this.pending.push({ room: sender.room, user: sender.user, text, createdAt: new Date().toISOString(), sender, receivedAt: performance.now() });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Starts committing what is queued, unless a commit is already running (it reschedules). */
  private flush(): void {
    this.scheduled = false;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = undefined;
      if (this.pending.length > 0) this.schedule();
    });
  }

  /** Waits until everything queued so far is committed and published (shutdown calls it). */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) {
      if (!this.inFlight) this.flush();
      await this.inFlight;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let committed = false;
    try {
      await this.store.insertMessages(batch, async (ids, prev) => {
        committed = true;
        this.metrics.messagesStored.inc(batch.length);
        this.metrics.commitBatchSize.observe(batch.length);
        const messages: StoredMessage[] = batch.map((item, i) => {
          const message: StoredMessage = { id: ids[i]!, room_id: item.room, user: item.user, text: item.text, created_at: item.createdAt };
          if (prev) message.prev = prev[i]!;
          return message;
        });
        await this.fanOut.publish(messages);
      });
    } catch (error) {
      if (committed) this.logger.warn({ err: error, messages: batch.length }, 'stored messages could not be published live');
      else this.logger.error({ err: error, messages: batch.length }, 'could not store messages; none was published');
      const notice = committed ? NOT_DELIVERED : NOT_STORED;
      for (const item of batch) if (item.sender.json) item.sender.send(notice);
      return;
    }
    const now = performance.now();
    for (const item of batch) this.metrics.fanoutSeconds.observe((now - item.receivedAt) / 1000);
  }
}
