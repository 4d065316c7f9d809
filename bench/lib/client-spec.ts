/**
 * How a load process reaches one target: enough to open a chat connection to a room.
 * Plain data, passed to child processes as JSON.
 */
export type ClientSpec =
  | {
      kind: 'shagram';
      port: number;
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
