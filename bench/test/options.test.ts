import { helpText, OptionsError, parseBenchArgs, SPECS } from '../lib/options';

describe('bench flags', () => {
  test('defaults', () => {
    const o = parseBenchArgs([]);
    expect(o.targets).toEqual(['shagram', 'ws-broadcast', 'socketio-sqlite']);
    expect(o.workloads).toEqual(['fanout', 'scale', 'history']);
    expect(o.scaleConnections).toBe(5000);
    expect(o.rooms * o.clients).toBeGreaterThanOrEqual(o.senders);
    expect(o.help).toBe(false);
    expect(o.shagramNodeArgs).toEqual([]);
    expect(parseBenchArgs(['--shagram-node-args=--cpu-prof  --cpu-prof-dir=/tmp/p']).shagramNodeArgs).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  });

  test('every parameter has a flag', () => {
    const argv = SPECS.flatMap((s) => [`--${s.flag}`, s.kind === 'list' ? s.default.split(',')[0]! : s.kind === 'string' || s.kind === 'args' ? 'x' : '3']);
    const o = parseBenchArgs(argv) as unknown as Record<string, unknown>;
    for (const s of SPECS) expect(o[s.key]).toEqual(s.kind === 'list' ? [s.default.split(',')[0]] : s.kind === 'args' ? ['x'] : s.kind === 'string' ? 'x' : s.kind === 'ints' ? [3] : 3);
    expect(helpText()).toContain('--scale-connections');
  });

  test('fractional seconds and lists', () => {
    const o = parseBenchArgs(['--duration', '0.5', '--targets', 'ws-broadcast, shagram', '--workloads', 'history']);
    expect(o.duration).toBe(0.5);
    expect(o.targets).toEqual(['ws-broadcast', 'shagram']);
    expect(o.workloads).toEqual(['history']);
  });

  test.each([
    [['--rooms', '0'], /--rooms/],
    [['--rooms', 'two'], /--rooms/],
    [['--duration', '-1'], /--duration/],
    [['--duration', '0'], /--duration/],
    [['--targets', 'nginx'], /unknown "nginx"/],
    [['--workloads', ''], /--workloads/],
    [['--senders', '100', '--rooms', '2', '--clients', '3'], /--senders/],
    [['--bogus', '1'], /bogus/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(OptionsError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
