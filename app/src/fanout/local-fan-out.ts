import type { StoredMessage } from '../db/chat-store';
import type { FanOut, FanOutSink } from './fan-out';

/**
 * The embedded default: one process, so publishing is delivering. `publish` hands the batch to
 * this replica's hub synchronously, inside the commit's event-loop turn, and presence is the
 * local set of users.
 */
export class LocalFanOut implements FanOut {
  readonly kind = 'local' as const;
  /** Always true: there is no service to lose. */
  get available(): boolean {
    return true;
  }
  private sink: FanOutSink | undefined;

  /** Starts delivering to `sink` (never fails: there is no service to reach). */
  async start(sink: FanOutSink): Promise<void> {
    this.sink = sink;
  }

  /** Delivers a committed batch to this process's peers, before returning. */
  async publish(messages: readonly StoredMessage[]): Promise<void> {
    this.sink?.deliver(messages);
  }

  /** Sends the room's local users to its peers. */
  presenceChanged(room: string): void {
    const sink = this.sink;
    if (sink) sink.presence(room, sink.localUsers(room));
  }

  /** Stops delivering. */
  async close(): Promise<void> {
    this.sink = undefined;
  }
}
