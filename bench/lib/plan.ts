/** One room as a load process drives it in the fan-out workload. */
export interface RoomPlan {
  room: string;
  /** Connections in the room, senders included. */
  clients: number;
  senders: number;
  /**
   * Multi-replica targets only: the replica (index into the target's ports) of each client,
   * `replicas[i]` for the room's i-th connection (senders are the first `senders` of them).
   */
  replicas?: number[];
}

/** Room name used by the bench (valid for Shagram's `^[a-z0-9][a-z0-9_-]{0,31}$`). */
export function roomName(index: number): string {
  return `bench-${index}`;
}

/** Splits `total` into `parts` near-equal whole shares, larger shares first. */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * The replica of client `client` of room number `room` when a target has `replicas` replicas:
 * a room's clients alternate between them (A, B, A, B, …), and every other room starts on the
 * next replica, so an odd number of clients per room still balances over the rooms. Senders are
 * a room's first clients, so they alternate too: each message reaches about (replicas − 1) /
 * replicas of its room on another replica, through the shared fan-out (Redis).
 */
export function replicaOf(room: number, client: number, replicas: number): number {
  return (room + client) % Math.max(1, replicas);
}

/**
 * Fan-out plan: R rooms of C clients, S senders spread over the rooms as evenly as possible,
 * whole rooms dealt round-robin to the load processes (a room never spans two processes, so
 * each process sees complete rooms). Processes with no room are dropped. With `replicas` > 1
 * every room also says which replica each of its clients connects to ({@link replicaOf}).
 */
export function planFanout(rooms: number, clients: number, senders: number, procs: number, replicas = 1): RoomPlan[][] {
  const sendersPerRoom = split(senders, rooms);
  const plan: RoomPlan[][] = Array.from({ length: Math.min(procs, rooms) }, () => []);
  for (let r = 0; r < rooms; r++) {
    const room: RoomPlan = { room: roomName(r), clients, senders: Math.min(clients, sendersPerRoom[r]!) };
    if (replicas > 1) room.replicas = Array.from({ length: clients }, (_, i) => replicaOf(r, i, replicas));
    plan[r % plan.length]!.push(room);
  }
  return plan;
}

/** Clients (and senders among them) per replica in a fan-out plan, for the progress log and the report. */
export function replicaLoad(plan: RoomPlan[][], replicas: number): Array<{ clients: number; senders: number }> {
  const load = Array.from({ length: Math.max(1, replicas) }, () => ({ clients: 0, senders: 0 }));
  for (const room of plan.flat()) {
    for (let i = 0; i < room.clients; i++) {
      const at = load[room.replicas?.[i] ?? 0]!;
      at.clients++;
      if (i < room.senders) at.senders++;
    }
  }
  return load;
}

/**
 * The share of a fan-out's deliveries that cross replicas, as planned: for every sender, the
 * recipients of its room (itself included) on another replica, over all its recipients.
 */
export function plannedCrossShare(plan: RoomPlan[][]): number {
  let all = 0;
  let cross = 0;
  for (const room of plan.flat()) {
    for (let s = 0; s < room.senders; s++) {
      for (let i = 0; i < room.clients; i++) {
        all++;
        if ((room.replicas?.[i] ?? 0) !== (room.replicas?.[s] ?? 0)) cross++;
      }
    }
  }
  return all === 0 ? 0 : cross / all;
}

/**
 * Scale plan: the cumulative connection count after each of `steps` ramp steps, ending at
 * exactly `total`, and each load process's share of every step.
 */
export function planScale(total: number, steps: number, procs: number): Array<{ total: number; perProc: number[] }> {
  const count = Math.max(1, Math.min(steps, total));
  const activeProcs = Math.max(1, Math.min(procs, total));
  const out: Array<{ total: number; perProc: number[] }> = [];
  for (let s = 1; s <= count; s++) {
    const at = Math.round((total * s) / count);
    out.push({ total: at, perProc: split(at, activeProcs) });
  }
  return out;
}

/** The room of the i-th idle connection when they spread over `rooms` rooms. */
export function scaleRoom(i: number, rooms: number): string {
  return roomName(i % rooms);
}
