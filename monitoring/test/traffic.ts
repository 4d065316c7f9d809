/**
 * Real chat traffic against a running app, so its metrics move: accounts, a room, WebSocket clients sending
 * messages at a varying rate (some malformed or too long: rejected frames), history reads, unknown paths (404),
 * unauthenticated requests (401) and refused upgrades (no token). Used by the exporter test and by the dashboard snapshot.
 */
import { connect, refusedStatus, type ChatClient } from '../../app/test/helpers/client';
import { postJson, register } from '../../app/test/helpers/server';

export interface TrafficOptions {
  url: string;
  wsUrl: string;
  origin: string;
  durationMs: number;
  /** Chat messages per second over all clients. */
  messagesPerSecond: number;
  clients?: number;
}

export interface TrafficResult {
  sent: number;
  rejectedSent: number;
  httpRequests: number;
}

export async function runTraffic(options: TrafficOptions): Promise<TrafficResult> {
  const users = await Promise.all(Array.from({ length: 3 }, () => register(options.url, 'watch')));
  const room = `watch${process.pid}`;
  await postJson(`${options.url}/api/rooms`, { name: room }, { authorization: `Bearer ${users[0]!.token}` });
  const clients: ChatClient[] = [];
  for (let i = 0; i < (options.clients ?? 6); i++) clients.push(await connect(options.wsUrl, room, { token: users[i % users.length]!.token, origin: options.origin }));
  await refusedStatus(options.wsUrl, room, { origin: options.origin });
  const result: TrafficResult = { sent: 0, rejectedSent: 0, httpRequests: 0 };
  const started = Date.now();
  const tickMs = 100;
  let tick = 0;
  while (Date.now() - started < options.durationMs) {
    // The rate varies over time (a slow wave), so the charts show a shape.
    const phase = (Date.now() - started) / options.durationMs;
    const perTick = (options.messagesPerSecond * tickMs) / 1000 * (0.6 + 0.8 * Math.abs(Math.sin(phase * Math.PI * 2)));
    const count = Math.floor(perTick) + (Math.random() < perTick % 1 ? 1 : 0);
    for (let i = 0; i < count; i++) {
      clients[(tick + i) % clients.length]!.send(`message ${result.sent}`);
      result.sent += 1;
    }
    if (tick % 20 === 0) {
      clients[tick % clients.length]!.ws.send('not json');
      result.rejectedSent += 1;
    }
    if (tick % 45 === 0) {
      clients[tick % clients.length]!.send('x'.repeat(5000));
      result.rejectedSent += 1;
    }
    if (tick % 5 === 0) {
      await fetch(`${options.url}/api/messages/${room}?limit=50`).then((res) => res.arrayBuffer());
      result.httpRequests += 1;
    }
    if (tick % 50 === 25) await refusedStatus(options.wsUrl, room, { origin: options.origin });
    if (tick % 30 === 0) {
      await fetch(`${options.url}/api/no-such-thing`).then((res) => res.arrayBuffer());
      await fetch(`${options.url}/api/me`).then((res) => res.arrayBuffer());
      result.httpRequests += 2;
    }
    tick += 1;
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await Promise.all(clients.map((client) => client.close()));
  return result;
}
