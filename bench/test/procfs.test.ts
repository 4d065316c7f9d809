import { parseStatCpuSeconds, parseStatusRssBytes, parseTcpExt, readCpuSeconds, readRssBytes, readTcpExt } from '../lib/procfs';

describe('/proc parsing', () => {
  test('CPU seconds are utime + stime, even with spaces and parentheses in the command name', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
    expect(parseStatCpuSeconds(stat)).toBeCloseTo(3.0, 9);
  });

  test('TcpExt counters by name; the IpExt lines beside them are not mixed in', () => {
    const netstat = [
      'TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans',
      'TcpExt: 3 96127 96130 47085',
      'IpExt: InNoRoutes ListenOverflows',
      'IpExt: 0 5',
      '',
    ].join('\n');
    expect(parseTcpExt(netstat)).toEqual({ SyncookiesSent: 3, ListenOverflows: 96127, ListenDrops: 96130, TCPSynRetrans: 47085 });
    expect(() => parseTcpExt('IpExt: a\nIpExt: 1\n')).toThrow(/TcpExt/);
    // this machine's own counters parse, and the two the storm reports are there
    expect(readTcpExt()).toEqual(expect.objectContaining({ ListenOverflows: expect.any(Number), TCPSynRetrans: expect.any(Number) }));
  });

  test('VmRSS in bytes', () => {
    expect(parseStatusRssBytes('Name:\tnode\nVmPeak:\t 9999 kB\nVmRSS:\t   51200 kB\nThreads: 11\n')).toBe(51200 * 1024);
    expect(() => parseStatusRssBytes('Name: node\n')).toThrow(/VmRSS/);
    expect(() => parseStatCpuSeconds('garbage')).toThrow();
  });

  test('reads this very process', () => {
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(readCpuSeconds(process.pid)).toBeGreaterThan(0);
  });
});
