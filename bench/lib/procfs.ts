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

/** CPU seconds used so far by another process. */
export function readCpuSeconds(pid: number): number {
  return parseStatCpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Current RSS of another process, in bytes. */
export function readRssBytes(pid: number): number {
  return parseStatusRssBytes(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}
