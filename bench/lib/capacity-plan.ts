/**
 * The capacity workload's plan, pure: how many users each room holds (a few large rooms, many small ones), which
 * of them send, and which load process holds which rooms.
 */
import { replicaOf, roomName } from './plan';

/** One room of the capacity workload. */
export interface CapacityRoom {
  room: string;
  /** Connected users in the room, senders included. */
  members: number;
  /** Members that send (the first `senders` of them). */
  senders: number;
  /**
   * Multi-replica targets only: the replica of the room's first member; the members alternate from it
   * ({@link memberReplica}), so the room spans every replica and its messages cross them through the shared fan-out.
   */
  firstReplica?: number;
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
 * check that none missed a message), largest room first to the process with the fewest members so far. With
 * `replicas` > 1, room i's members alternate over the replicas starting at replica i mod `replicas` (as the fan-out
 * workload's clients do, {@link replicaOf}), so an odd-sized room still balances over the rooms.
 */
export function planCapacity(users: number, rooms: number, activeShare: number, procs: number, replicas = 1): CapacityRoom[][] {
  const sizes = roomSizes(users, rooms);
  const senders = sendersPerRoom(sizes, activeShare);
  const plan: CapacityRoom[][] = Array.from({ length: Math.max(1, Math.min(procs, sizes.length)) }, () => []);
  const load = plan.map(() => 0);
  sizes.forEach((members, i) => {
    const least = load.indexOf(Math.min(...load));
    const room: CapacityRoom = { room: roomName(i), members, senders: senders[i]! };
    if (replicas > 1) room.firstReplica = replicaOf(i, 0, replicas);
    plan[least]!.push(room);
    load[least]! += members;
  });
  return plan;
}

/** The replica member `member` of a room connects to (0 for a single-process target). */
export function memberReplica(room: Pick<CapacityRoom, 'firstReplica'>, member: number, replicas: number): number {
  return replicas > 1 ? replicaOf(room.firstReplica ?? 0, member, replicas) : 0;
}

/** Users and senders per replica in a capacity plan, for the progress log and the report. */
export function capacityReplicaLoad(plan: readonly CapacityRoom[][], replicas: number): Array<{ users: number; senders: number }> {
  const load = Array.from({ length: Math.max(1, replicas) }, () => ({ users: 0, senders: 0 }));
  for (const room of plan.flat()) {
    for (let m = 0; m < room.members; m++) {
      const at = load[memberReplica(room, m, replicas)]!;
      at.users++;
      if (m < room.senders) at.senders++;
    }
  }
  return load;
}

/**
 * The share of a room's deliveries that cross replicas, as planned: for every sender, the members of its room
 * (itself included) on another replica, over all its room's members, summed over the plan.
 */
export function plannedCapacityCrossShare(plan: readonly CapacityRoom[][], replicas: number): number {
  let all = 0;
  let cross = 0;
  for (const room of plan.flat()) {
    const on = Array.from({ length: Math.max(1, replicas) }, () => 0);
    for (let m = 0; m < room.members; m++) on[memberReplica(room, m, replicas)]!++;
    for (let s = 0; s < room.senders; s++) {
      all += room.members;
      cross += room.members - on[memberReplica(room, s, replicas)]!;
    }
  }
  return all === 0 ? 0 : cross / all;
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
