/** One room as a load process drives it in the fan-out workload. */
export interface RoomPlan {
  room: string;
  /** Connections in the room, senders included. */
  clients: number;
  senders: number;
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
 * Fan-out plan: R rooms of C clients, S senders spread over the rooms as evenly as possible,
 * whole rooms dealt round-robin to the load processes (a room never spans two processes, so
 * each process sees complete rooms). Processes with no room are dropped.
 */
export function planFanout(rooms: number, clients: number, senders: number, procs: number): RoomPlan[][] {
  const sendersPerRoom = split(senders, rooms);
  const plan: RoomPlan[][] = Array.from({ length: Math.min(procs, rooms) }, () => []);
  for (let r = 0; r < rooms; r++) {
    plan[r % plan.length]!.push({ room: roomName(r), clients, senders: Math.min(clients, sendersPerRoom[r]!) });
  }
  return plan;
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
