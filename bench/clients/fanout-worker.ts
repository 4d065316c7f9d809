/**
 * Fan-out load process: connects its rooms' clients, then on `go` runs the closed loop — each
 * sender keeps `inflight` messages outstanding and sends the next when its own message comes
 * back. Every delivery inside the measured window counts and its latency (now − send time in
 * the payload) goes into the histogram.
 */
import { connectChat, connectMany, type ChatConnection } from './chat-client';
import { createHistogram, record, toData } from '../lib/histogram';
import { decodePayload, encodePayload, nowMicros } from '../lib/payload';
import { toParent, workerConfig, type FanoutWorkerConfig, type ToWorker } from '../lib/ipc';

const STALL_MICROS = 5_000_000; // a sender whose echo is this late sends a fresh message (counted as lost)
const DRAIN_MS = 1000;

interface Sender {
  id: number;
  conn: ChatConnection;
  seq: number;
  lastEcho: number;
}

async function main(): Promise<void> {
  const config = workerConfig<FanoutWorkerConfig>();
  const latency = createHistogram();
  let delivered = 0;
  /** Deliveries in the window whose sender is connected to another replica than the recipient. */
  let crossDelivered = 0;
  let deliveredAll = 0;
  let sent = 0;
  let lost = 0;
  let window = { start: Infinity, end: Infinity };
  let sending = false;

  const senders: Sender[] = [];
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  let senderId = config.senderBase;
  let connIndex = 0;
  /** Replica of each sender of this process (whole rooms per process, so every sender a client hears is here). */
  const senderReplica = new Map<number, number>();

  const sendNext = (s: Sender) => {
    const at = nowMicros();
    s.conn.send(encodePayload({ sender: s.id, seq: s.seq++, sentAt: at }, config.messageBytes));
    if (at >= window.start && at < window.end) sent++;
  };

  for (const room of config.rooms) {
    const base = connIndex;
    connIndex += room.clients;
    const replicaOfClient = (i: number) => room.replicas?.[i] ?? 0;
    // Opened connections keep their client index (connectMany resolves them out of order).
    const result = await connectMany(room.clients, config.concurrency, (i) =>
      connectChat(config.spec, room.room, base + i, replicaOfClient(i)).then((conn) => ({ conn, i })),
    );
    connected += result.connections.length;
    failed += result.failed;
    firstError ??= result.firstError;
    result.connections.sort((a, b) => a.i - b.i);
    for (const [k, { conn, i }] of result.connections.entries()) {
      // The first `senders` open connections send (a failed handshake does not cost a sender).
      const sender: Sender | undefined = k < room.senders ? { id: senderId++, conn, seq: 0, lastEcho: 0 } : undefined;
      const replica = replicaOfClient(i);
      if (sender) {
        senders.push(sender);
        senderReplica.set(sender.id, replica);
      }
      conn.onText((text) => {
        const at = nowMicros();
        deliveredAll++;
        const payload = decodePayload(text);
        if (!payload) return;
        if (at >= window.start && at < window.end) {
          delivered++;
          if (senderReplica.get(payload.sender) !== replica) crossDelivered++;
          record(latency, at - payload.sentAt);
        }
        if (sender && payload.sender === sender.id) {
          sender.lastEcho = at;
          if (sending) sendNext(sender);
        }
      });
    }
  }
  toParent({ type: 'ready', connected, failed, firstError });

  process.on('message', (message: ToWorker) => {
    if (message.type !== 'go') return;
    window = { start: message.measureStart, end: message.measureEnd };
    sending = true;
    const started = nowMicros();
    for (const s of senders) {
      s.lastEcho = started;
      for (let k = 0; k < config.inflight; k++) sendNext(s);
    }
    const progress = setInterval(() => {
      toParent({ type: 'progress', count: deliveredAll });
      const now = nowMicros();
      for (const s of senders) {
        if (sending && now - s.lastEcho > STALL_MICROS) {
          lost++;
          s.lastEcho = now;
          sendNext(s);
        }
      }
    }, 1000);
    const stopInMs = Math.max(0, (window.end - nowMicros()) / 1000);
    setTimeout(() => {
      sending = false;
      setTimeout(() => {
        clearInterval(progress);
        toParent({ type: 'fanout-result', delivered, crossDelivered, sent, lost, latency: toData(latency) });
        for (const s of senders) s.conn.close();
        setTimeout(() => process.exit(0), 200).unref();
      }, DRAIN_MS);
    }, stopInMs);
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: Error) => {
  toParent({ type: 'error', message: error.message });
  process.exit(1);
});
