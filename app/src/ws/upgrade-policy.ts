import type { TokenClaims, TokenService } from '../auth/tokens';
import { ROOM_NAME } from '../validation';
import { readProtocolOffer } from './bearer';

/** What to do with a WebSocket upgrade request. */
export type UpgradeDecision =
  | { ok: true; room: string; user: string; claims: TokenClaims; since: number | undefined }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/**
 * Decides an upgrade before any WebSocket exists: the path must be `/ws/<room>` with a valid
 * room name, the access token valid (else 401), `Origin` one of the allowed origins
 * (else 403), and `since`, if given, a non-negative message id. The token is the `shagram.bearer.<token>`
 * subprotocol offered in `protocolHeader` (Sec-WebSocket-Protocol; see bearer.ts), else the `token` query
 * parameter; a bearer offer without `shagram.json`, or with two bearers, is a 400.
 */
export function decideUpgrade(
  rawUrl: string | undefined,
  origin: string | undefined,
  tokens: TokenService,
  allowedOrigins: ReadonlySet<string>,
  protocolHeader?: string,
): UpgradeDecision {
  let url: URL;
  try {
    url = new URL(rawUrl ?? '', 'http://localhost');
  } catch {
    return { ok: false, status: 400, message: 'malformed request URL' };
  }
  const match = /^\/ws\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) return { ok: false, status: 404, message: 'not found' };
  let room: string;
  try {
    room = decodeURIComponent(match[1]!);
  } catch {
    return { ok: false, status: 400, message: 'invalid room name' };
  }
  if (!ROOM_NAME.test(room)) return { ok: false, status: 400, message: 'invalid room name' };

  const offer = readProtocolOffer(protocolHeader);
  if (!offer.ok) return { ok: false, status: 400, message: offer.message };
  const claims = tokens.verifyClaims(offer.token ?? url.searchParams.get('token'));
  if (!claims) return { ok: false, status: 401, message: 'a valid token is required' };
  if (!origin || !allowedOrigins.has(origin)) return { ok: false, status: 403, message: 'origin not allowed' };

  const sinceRaw = url.searchParams.get('since');
  let since: number | undefined;
  if (sinceRaw !== null) {
    if (!/^\d{1,15}$/.test(sinceRaw)) return { ok: false, status: 400, message: 'since must be a message id' };
    since = Number(sinceRaw);
  }
  return { ok: true, room, user: claims.username, claims, since };
}
