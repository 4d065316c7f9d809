import fs from 'node:fs';

/** Linux clock ticks per second for /proc CPU times (USER_HZ, 100 on every mainstream kernel). */
export const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) from the text of /proc/<pid>/stat. The command name (field 2)
 * may contain spaces and parentheses, so fields are counted after the last ')'.
 */
export function parseStatCpuSeconds(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  // After ')': field 3 (state) is index 0, so utime (field 14) is index 11 and stime (15) index 12.
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('no utime/stime in /proc/<pid>/stat');
  return (utime + stime) / CLOCK_TICKS;
}

/** Resident set size in bytes from the text of /proc/<pid>/status (its VmRSS line). */
export function parseStatusRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error('no VmRSS in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

/**
 * The `TcpExt:` counters from the text of /proc/net/netstat (a header line of names, then a line of values), e.g.
 * `ListenOverflows` (connections a full accept queue turned away) and `TCPSynRetrans`. Pure.
 */
export function parseTcpExt(netstat: string): Record<string, number> {
  const lines = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) throw new Error('no TcpExt lines in /proc/net/netstat');
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? NaN]));
}

/** The current network namespace's `TcpExt:` counters (see {@link parseTcpExt}); empty where /proc has none. */
export function readTcpExt(): Record<string, number> {
  try {
    return parseTcpExt(fs.readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return {};
  }
}

/** CPU seconds used so far by another process. */
export function readCpuSeconds(pid: number): number {
  return parseStatCpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Current RSS of another process, in bytes. */
export function readRssBytes(pid: number): number {
  return parseStatusRssBytes(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** The fields of /proc/<pid>/stat the bench reads: parent, own CPU and reaped children's CPU (seconds). */
export interface StatFields {
  comm: string;
  ppid: number;
  /** utime + stime. */
  cpuSeconds: number;
  /** cutime + cstime: CPU of children that have exited and been waited for. */
  childrenCpuSeconds: number;
}

/** Parses the fields of {@link StatFields} from the text of /proc/<pid>/stat. */
export function parseStatFields(stat: string): StatFields {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < 0) throw new Error('not a /proc/<pid>/stat line');
  // After ')': state is index 0, ppid (field 4) index 1, utime..cstime (fields 14–17) indexes 11–14.
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
  if (![ppid, utime, stime, cutime, cstime].every((n) => Number.isFinite(n))) throw new Error('short /proc/<pid>/stat line');
  return { comm: stat.slice(open + 1, close), ppid: ppid!, cpuSeconds: (utime! + stime!) / CLOCK_TICKS, childrenCpuSeconds: (cutime! + cstime!) / CLOCK_TICKS };
}

/**
 * CPU seconds of a process and its direct children (pure, over a snapshot of stat lines by pid):
 * its own time, the time of children it has reaped, and the time of its live children (and of
 * what they reaped). A forking server such as PostgreSQL (a backend per connection) is measured
 * whole this way, and a backend that exits between two snapshots moves from "live child" to
 * "reaped" without being lost.
 */
export function treeCpuSeconds(root: number, stats: ReadonlyMap<number, StatFields>): number {
  const top = stats.get(root);
  if (!top) throw new Error(`no process ${root}`);
  let total = top.cpuSeconds + top.childrenCpuSeconds;
  for (const child of stats.values()) if (child.ppid === root) total += child.cpuSeconds + child.childrenCpuSeconds;
  return total;
}

/** Every live process's {@link StatFields} (processes that vanish while reading are skipped). */
export function readAllStats(): Map<number, StatFields> {
  const stats = new Map<number, StatFields>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.set(Number(entry), parseStatFields(fs.readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // gone, or not readable
    }
  }
  return stats;
}

/** The pids of `parent`'s direct children whose command name starts with `commPrefix` (pure). */
export function childrenNamed(parent: number, commPrefix: string, stats: ReadonlyMap<number, StatFields>): number[] {
  return [...stats.entries()].filter(([, s]) => s.ppid === parent && s.comm.startsWith(commPrefix)).map(([pid]) => pid).sort((a, b) => a - b);
}
