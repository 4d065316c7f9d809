import { planFanout, planScale, roomName, scaleRoom, split } from '../lib/plan';
import { decodePayload, encodePayload } from '../lib/payload';

describe('planning', () => {
  test('split gives near-equal shares that add up', () => {
    expect(split(10, 3)).toEqual([4, 3, 3]);
    expect(split(2, 4)).toEqual([1, 1, 0, 0]);
    for (let total = 0; total < 50; total++) for (let parts = 1; parts < 7; parts++) {
      const shares = split(total, parts);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  test('fan-out: every room once, whole rooms per process, senders spread evenly', () => {
    const plan = planFanout(10, 20, 25, 3);
    expect(plan).toHaveLength(3);
    const rooms = plan.flat();
    expect(rooms.map((r) => r.room).sort()).toEqual(Array.from({ length: 10 }, (_, i) => roomName(i)).sort());
    expect(rooms.reduce((a, r) => a + r.senders, 0)).toBe(25);
    expect(rooms.every((r) => r.clients === 20 && (r.senders === 2 || r.senders === 3))).toBe(true);
  });

  test('fan-out: no more processes than rooms, senders never exceed clients', () => {
    const plan = planFanout(1, 3, 3, 4);
    expect(plan).toEqual([[{ room: 'bench-0', clients: 3, senders: 3 }]]);
  });

  test('scale: cumulative steps end exactly at N and shares add up', () => {
    const steps = planScale(5000, 5, 2);
    expect(steps.map((s) => s.total)).toEqual([1000, 2000, 3000, 4000, 5000]);
    for (const s of steps) expect(s.perProc.reduce((a, b) => a + b, 0)).toBe(s.total);
    expect(planScale(3, 5, 4)).toEqual([
      { total: 1, perProc: [1, 0, 0] },
      { total: 2, perProc: [1, 1, 0] },
      { total: 3, perProc: [1, 1, 1] },
    ]);
  });

  test('scale rooms cycle and are valid Shagram room names', () => {
    expect(scaleRoom(0, 50)).toBe('bench-0');
    expect(scaleRoom(51, 50)).toBe('bench-1');
    expect(/^[a-z0-9][a-z0-9_-]{0,31}$/.test(scaleRoom(12345, 50))).toBe(true);
  });

  test('payload round-trips and is padded to the requested length', () => {
    const text = encodePayload({ sender: 7, seq: 42, sentAt: 123456789 }, 100);
    expect(text).toHaveLength(100);
    expect(decodePayload(text)).toEqual({ sender: 7, seq: 42, sentAt: 123456789 });
    expect(encodePayload({ sender: 1, seq: 2, sentAt: 3 }, 1)).toBe('1:2:3:');
    expect(decodePayload('alice joined')).toBeUndefined();
    expect(decodePayload('a:b:c:d')).toBeUndefined();
  });
});
