/**
 * Capacity load process: holds the users of its rooms (whole rooms, see capacity-plan.ts), each an authenticated
 * JSON-mode WebSocket from its own loopback source address that joined with `since` and tracks every message id it
 * gets. On command it sends at a given rate from its senders (latency = receive time − send time, carried in the
 * text), churns presence (users leave and come back with `since`), drops a share of its users at once and
 * reconnects them (the reconnect storm), and finally checks that no user missed a message of its room. On a
 * multi-replica target each user connects to its own replica (a room's members alternate over them, see
 * capacity-plan.ts); a message's text names its sender's replica, so deliveries across replicas are counted.
 */
import WebSocket from 'ws';
import { memberReplica } from '../lib/capacity-plan';
import { BENCH_ORIGIN, replicaPort, shagramWsUrl } from '../lib/client-spec';
import { createHistogram, record, toData } from '../lib/histogram';
import { toParent, workerConfig, type CapacityWorkerConfig, type ToWorker } from '../lib/ipc';
import { connectMany } from './chat-client';

const CONNECT_TIMEOUT_MS = 20_000;
/** How long after a step's end late deliveries are still counted. */
const STEP_GRACE_MS = 2000;
const RECONNECT_ATTEMPTS = 8;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface User {
  index: number;
  room: string;
  /** The replica (index into the target's ports) this user connects to. */
  replica: number;
  sender: boolean;
  token: string;
  ws?: WebSocket;
  /** Largest id received (the next `since`). */
  lastId: number;
  /** Every id this user holds (live, replayed or read over HTTP after an incomplete replay). */
  ids: Set<number>;
  duplicates: number;
}

async function main(): Promise<void> {
  const config = workerConfig<CapacityWorkerConfig>();
  if (config.spec.kind !== 'shagram') throw new Error('the capacity workload needs Shagram (since, the replay event)');
  const spec = config.spec;
  const replicas = spec.ports?.length ?? 1;
  const users: User[] = [];
  const roomIds = new Map<string, Set<number>>();
  for (const plan of config.rooms) {
    roomIds.set(plan.room, new Set());
    for (let m = 0; m < plan.members; m++) {
      const index = users.length;
      users.push({ index, room: plan.room, replica: memberReplica(plan, m, replicas), sender: m < plan.senders, token: config.tokens[index % config.tokens.length]!, lastId: 0, ids: new Set(), duplicates: 0 });
    }
  }
  let latency = createHistogram();
  let measure = { from: Infinity, until: -Infinity };
  let delivered = 0;
  let crossDelivered = 0;
  let crossReceived = 0;
  let serverCloses = 0;
  let firstCloseCode: number | undefined;
  let closing = false;
  let incomplete = 0;
  let filledOverHttp = 0;
  const padding = 'x'.repeat(Math.max(0, config.messageBytes - 23));

  /** Reads the hole an incomplete replay named, over the history API, into the user's ids. */
  const fillHole = async (user: User, lastId: number, nextBefore: number) => {
    let before = nextBefore;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${replicaPort(spec, user.replica)}/api/messages/${user.room}?before=${before}&limit=200`);
      const page = ((await res.json()) as { messages: Array<{ id: number }> }).messages;
      for (const m of page) {
        if (m.id <= lastId) return;
        user.ids.add(m.id);
        roomIds.get(user.room)!.add(m.id);
        filledOverHttp++;
      }
      if (page.length < 200) return;
      before = page[page.length - 1]!.id;
    }
  };

  /** Opens the user's socket with `since` = its last id; resolves once the replay event arrived (and its hole is read). */
  const connect = (user: User): Promise<void> =>
    new Promise((resolve, reject) => {
      const url = `${shagramWsUrl(replicaPort(spec, user.replica), user.room, user.token)}&since=${user.lastId}`;
      const ws = new WebSocket(url, ['shagram.json'], {
        headers: { Origin: spec.origin || BENCH_ORIGIN },
        perMessageDeflate: false,
        handshakeTimeout: CONNECT_TIMEOUT_MS,
        localAddress: config.localAddress,
      });
      user.ws = ws;
      let settled = false;
      // Replayed messages count as delivered, but only live ones are delivery latency (a replayed one waited for
      // its user to come back).
      let live = false;
      ws.on('message', (data) => {
        const event = JSON.parse(String(data)) as { type: string; id?: number; text?: string; complete?: boolean; last_id?: number; next_before?: number };
        if (event.type === 'message') {
          const id = event.id!;
          if (id <= user.lastId || user.ids.has(id)) user.duplicates++;
          user.lastId = Math.max(user.lastId, id);
          user.ids.add(id);
          roomIds.get(user.room)!.add(id);
          // text: `t<send time> r<sender's replica> <padding>`
          const [time, from] = event.text!.split(' ', 2);
          const sentAt = Number(time!.slice(1));
          const cross = live && Number(from!.slice(1)) !== user.replica;
          if (cross) crossReceived++;
          if (sentAt >= measure.from && sentAt <= measure.until) {
            delivered++;
            if (cross) crossDelivered++;
            if (live) record(latency, Math.max(1, (now() - sentAt) * 1000));
          }
        } else if (event.type === 'replay' && !settled) {
          settled = true;
          live = true;
          if (event.complete) return resolve();
          incomplete++;
          fillHole(user, event.last_id!, event.next_before!).then(resolve, reject);
        }
      });
      ws.once('unexpected-response', (_req, res) => {
        settled = true;
        ws.terminate();
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      });
      ws.once('error', (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      });
      ws.once('close', (code) => {
        if (!settled) {
          settled = true;
          reject(new Error('closed before the replay event'));
          return;
        }
        // Closed by the server (churn and the storm replace user.ws before their close arrives): reconnect with
        // since, as a client must on every close (docs/delivery.md).
        if (closing || user.ws !== ws) return;
        serverCloses++;
        firstCloseCode ??= code;
        void reconnect(user).catch(() => undefined);
      });
    });

  /** Reconnects with retries (backoff), as a real client does. @returns the retries it took; throws after the last. */
  const reconnect = async (user: User): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await connect(user);
        return attempt;
      } catch (error) {
        if (attempt + 1 >= RECONNECT_ATTEMPTS) throw error;
        await sleep(100 * 2 ** attempt * (0.75 + Math.random() / 4));
      }
    }
  };

  const isOpen = (user: User) => user.ws?.readyState === WebSocket.OPEN;

  // Initial connections, whole rooms at a time.
  let lastReport = 0;
  const first = await connectMany(users.length, config.concurrency, (i) => connect(users[i]!), (opened) => {
    if (opened - lastReport >= 250) {
      lastReport = opened;
      toParent({ type: 'progress', count: opened });
    }
  });
  toParent({ type: 'ready', connected: first.connections.length, failed: first.failed, firstError: first.firstError });

  // Shuffled: users were made room by room, largest first, so in order a slow step would only ever reach the
  // senders of the largest rooms.
  const senders = users.filter((u) => u.sender);
  for (let i = senders.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [senders[i], senders[j]] = [senders[j]!, senders[i]!];
  }
  const membersOf = new Map(config.rooms.map((room) => [room.room, room.members]));
  const idle = users.filter((u) => !u.sender);

  const step = async (rate: number, measureFrom: number, until: number, churnPerSec: number) => {
    latency = createHistogram();
    delivered = 0;
    crossDelivered = 0;
    measure = { from: measureFrom, until };
    let sent = 0;
    /** Deliveries the counted messages should make: each reaches every member of its room. */
    let expected = 0;
    let churned = 0;
    let reconnectFailures = 0;
    let budget = 0;
    let churnBudget = 0;
    let next = 0;
    let last = now();
    const churns: Array<Promise<void>> = [];
    while (now() < until) {
      await sleep(10);
      const t = now();
      budget += ((t - last) / 1000) * rate;
      churnBudget += ((t - last) / 1000) * churnPerSec;
      last = t;
      for (; budget >= 1 && senders.length > 0; budget--) {
        const user = senders[next++ % senders.length]!;
        if (!isOpen(user)) continue;
        const sentAt = now();
        user.ws!.send(JSON.stringify({ text: `t${sentAt.toFixed(3)} r${user.replica} ${padding}` }));
        if (sentAt >= measureFrom) {
          sent++;
          expected += membersOf.get(user.room)!;
        }
      }
      for (; churnBudget >= 1 && idle.length > 0; churnBudget--) {
        const user = idle[Math.floor(Math.random() * idle.length)]!;
        if (!isOpen(user)) continue;
        churned++;
        user.ws!.terminate();
        churns.push(reconnect(user).then(() => undefined, () => void reconnectFailures++));
      }
    }
    await Promise.all(churns);
    await sleep(STEP_GRACE_MS);
    measure = { from: Infinity, until: -Infinity };
    toParent({ type: 'cap-step-result', sent, expected, delivered, crossDelivered, latency: toData(latency), churned, reconnectFailures });
  };

  const storm = async (share: number) => {
    const pool = users.filter(isOpen);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const dropped = pool.slice(0, Math.round(pool.length * share));
    incomplete = 0;
    const started = now();
    for (const user of dropped) user.ws!.terminate();
    let retries = 0;
    let failed = 0;
    await Promise.all(dropped.map((user) => reconnect(user).then((r) => void (retries += r), () => void failed++)));
    toParent({ type: 'cap-storm-result', dropped: dropped.length, reconnected: dropped.length - failed, retries, failed, ms: now() - started, incomplete });
  };

  const verify = () => {
    let checked = 0;
    let missed = 0;
    let duplicates = 0;
    let firstProblem: string | undefined;
    for (const user of users) {
      duplicates += user.duplicates;
      if (!isOpen(user)) continue;
      checked++;
      // Every user joined with since=0 in a fresh room: it must hold every id of its room.
      for (const id of roomIds.get(user.room)!) {
        if (user.ids.has(id)) continue;
        missed++;
        firstProblem ??= `user ${user.index} in ${user.room} lacks message ${id} (its last id ${user.lastId})`;
      }
    }
    if (duplicates > 0) firstProblem ??= `${duplicates} message(s) arrived twice`;
    toParent({ type: 'cap-verify-result', connections: users.length, checked, missed, duplicates, filledOverHttp, crossReceived, serverCloses, firstCloseCode, firstProblem });
  };

  let queue = Promise.resolve();
  process.on('message', (message: ToWorker) => {
    if (message.type === 'cap-step') queue = queue.then(() => step(message.rate, message.measureFrom, message.until, message.churnPerSec));
    // not queued: the storm happens while a step sends
    if (message.type === 'cap-storm') void storm(message.share);
    if (message.type === 'cap-verify') queue = queue.then(verify);
    if (message.type === 'close') {
      closing = true;
      for (const user of users) user.ws?.terminate();
      setTimeout(() => process.exit(0), 200).unref();
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: Error) => {
  toParent({ type: 'error', message: error.message });
  process.exit(1);
});
