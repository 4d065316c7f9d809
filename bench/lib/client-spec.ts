/**
 * How a load process reaches one target: enough to open a chat connection to a room.
 * Plain data, passed to child processes as JSON.
 */
export type ClientSpec =
  | {
      kind: 'shagram';
      /** The first (or only) replica's port. */
      port: number;
      /** Several replicas (the `shagram-2x` target): every replica's port, `ports[0] === port`. */
      ports?: number[];
      /** Sent as the Origin header; must be in the server's WS_ALLOWED_ORIGINS. */
      origin: string;
      /** Access tokens of the bench users; connection i uses tokens[i % length]. */
      tokens: string[];
    }
  | { kind: 'ws'; port: number }
  | { kind: 'socketio'; port: number };

/** The Origin the bench clients present to Shagram. */
export const BENCH_ORIGIN = 'http://bench.localhost';

/** Shagram's WebSocket URL for a room and token (JSON subprotocol is chosen at connect). */
export function shagramWsUrl(port: number, room: string, token: string): string {
  return `ws://127.0.0.1:${port}/ws/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`;
}

/** The bare ws peer's URL for a room. */
export function wsPeerUrl(port: number, room: string): string {
  return `ws://127.0.0.1:${port}/ws/${encodeURIComponent(room)}`;
}

/** The port of replica `replica` of a target (the only port for a single-process target). */
export function replicaPort(spec: ClientSpec, replica: number): number {
  if (replica === 0) return spec.port;
  const port = spec.kind === 'shagram' ? spec.ports?.[replica] : undefined;
  if (port === undefined) throw new Error(`the target has no replica ${replica}`);
  return port;
}
