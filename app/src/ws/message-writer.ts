import type { NewMessage, Store } from '../db/store';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import type { Hub } from './hub';
import type { Peer } from './peer';
import { errorEvent } from './frames';
import { encodeTextFrame } from './text-frame';

interface Pending extends NewMessage {
  sender: Peer;
  receivedAt: number;
}

/**
 * Group commit: every message received in one event-loop turn is committed in one transaction,
 * and only after that commit is each one broadcast with its database id. Nothing reaches a
 * client before its row is durable.
 */
export class MessageWriter {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly hub: Hub,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** Called with each committed batch before it is broadcast (e.g. to invalidate caches). */
    private readonly onCommit?: (batch: readonly NewMessage[]) => void,
  ) {}

  /** Queues a message from `sender`; it is committed and broadcast at the end of this turn. */
  enqueue(sender: Peer, text: string): void {
    this.pending.push({ room: sender.room, user: sender.user, text, createdAt: new Date().toISOString(), sender, receivedAt: performance.now() });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits and broadcasts everything queued. Safe to call at any time (shutdown calls it). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let ids: number[];
    try {
      ids = this.store.insertMessages(batch);
    } catch (error) {
      this.logger.error({ err: error, messages: batch.length }, 'could not store messages; none was broadcast');
      const notice = encodeTextFrame(errorEvent('unavailable', 'the message could not be stored; please send it again'));
      for (const item of batch) if (item.sender.json) item.sender.send(notice);
      return;
    }
    this.metrics.messagesStored.inc(batch.length);
    this.metrics.commitBatchSize.observe(batch.length);
    this.onCommit?.(batch);
    this.hub.batch(() => {
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i]!;
        this.hub.broadcast({ id: ids[i]!, room_id: item.room, user: item.user, text: item.text, created_at: item.createdAt });
      }
    });
    const now = performance.now();
    for (const item of batch) this.metrics.fanoutSeconds.observe((now - item.receivedAt) / 1000);
  }
}
