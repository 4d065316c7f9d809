/**
 * The capacity workload's plan, pure: how many users each room holds (a few large rooms, many small ones), which
 * of them send, and which load process holds which rooms.
 */
import { roomName } from './plan';

/** One room of the capacity workload. */
export interface CapacityRoom {
  room: string;
  /** Connected users in the room, senders included. */
  members: number;
  /** Members that send (the first `senders` of them). */
  senders: number;
}

/**
 * Room sizes for `users` users over `rooms` rooms, Zipf-distributed (room i's share ∝ 1/(i+1)^skew): with skew 1 and
 * 15,000 users over 500 rooms the largest holds ~2,200, the tenth ~200 and the last few a handful. Every room has at
 * least `minMembers`; the sizes add up to `users` exactly, largest first.
 */
export function roomSizes(users: number, rooms: number, skew = 1, minMembers = 2): number[] {
  const count = Math.max(1, Math.min(rooms, Math.floor(users / minMembers)));
  const weights = Array.from({ length: count }, (_, i) => 1 / Math.pow(i + 1, skew));
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = users - count * minMembers;
  const sizes = weights.map((w) => minMembers + Math.floor((spare * w) / total));
  // hand out what rounding left, to the largest rooms first
  let left = users - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % count, left--) sizes[i]!++;
  return sizes;
}

/**
 * Senders per room: `activeShare` of all users (at least one overall), spread in proportion to room size, a room
 * never having more senders than members.
 */
export function sendersPerRoom(sizes: readonly number[], activeShare: number): number[] {
  const users = sizes.reduce((a, b) => a + b, 0);
  const want = Math.max(1, Math.round(users * activeShare));
  const senders = sizes.map((size) => Math.min(size, Math.floor((size * want) / users)));
  let left = want - senders.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0 && i < sizes.length * 2; i++) {
    const r = i % sizes.length;
    if (senders[r]! < sizes[r]!) {
      senders[r]!++;
      left--;
    }
  }
  return senders;
}

/**
 * The rooms dealt to `procs` load processes, each room whole (so a process sees every member of its rooms and can
 * check that none missed a message), largest room first to the process with the fewest members so far.
 */
export function planCapacity(users: number, rooms: number, activeShare: number, procs: number): CapacityRoom[][] {
  const sizes = roomSizes(users, rooms);
  const senders = sendersPerRoom(sizes, activeShare);
  const plan: CapacityRoom[][] = Array.from({ length: Math.max(1, Math.min(procs, sizes.length)) }, () => []);
  const load = plan.map(() => 0);
  sizes.forEach((members, i) => {
    const least = load.indexOf(Math.min(...load));
    plan[least]!.push({ room: roomName(i), members, senders: senders[i]! });
    load[least]! += members;
  });
  return plan;
}

/** Deliveries one message causes on average (a message reaches every member of its room, sender included). */
export function meanFanout(plan: readonly CapacityRoom[][]): number {
  let sent = 0;
  let delivered = 0;
  for (const room of plan.flat()) {
    sent += room.senders;
    delivered += room.senders * room.members;
  }
  return sent === 0 ? 0 : delivered / sent;
}

/** The loopback source address of load process `proc` (127.0.0.2, .3, …), so no process runs out of local ports. */
export function sourceAddress(proc: number): string {
  return `127.0.0.${2 + (proc % 250)}`;
}
