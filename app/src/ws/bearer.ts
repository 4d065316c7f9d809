import { JSON_SUBPROTOCOL } from './frames';

/**
 * Prefix of the subprotocol that carries an access token: `shagram.bearer.<jwt>`, offered beside `shagram.json`.
 * A browser cannot set headers on a WebSocket, but it can offer subprotocols; the token then travels in the
 * `Sec-WebSocket-Protocol` request header instead of the URL, out of access logs, proxies' error logs and the
 * browser's history and console messages. The server never selects (echoes) it: it selects `shagram.json`.
 */
export const BEARER_PREFIX = 'shagram.bearer.';

/** What a `Sec-WebSocket-Protocol` offer says: the bearer token if one is offered, or why the offer is refused. */
export type ProtocolOffer = { ok: true; token: string | undefined } | { ok: false; message: string };

/**
 * Reads the subprotocols a client offered (the raw header; several headers arrive joined by `, `).
 * At most one bearer protocol, and only beside `shagram.json` (the protocol the server selects): a bearer
 * offered alone would leave the server nothing to select, and the handshake would fail on the client.
 */
export function readProtocolOffer(header: string | undefined): ProtocolOffer {
  if (!header) return { ok: true, token: undefined };
  const offered = header.split(',').map((item) => item.trim());
  const bearers = offered.filter((item) => item.startsWith(BEARER_PREFIX));
  if (bearers.length === 0) return { ok: true, token: undefined };
  if (bearers.length > 1) return { ok: false, message: `offer at most one ${BEARER_PREFIX}<token> subprotocol` };
  if (!offered.includes(JSON_SUBPROTOCOL)) return { ok: false, message: `the ${BEARER_PREFIX}<token> subprotocol needs ${JSON_SUBPROTOCOL} beside it` };
  return { ok: true, token: bearers[0]!.slice(BEARER_PREFIX.length) };
}
