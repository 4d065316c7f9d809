import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Decides whether the address `address`, `hop` hops from the server, is a trusted proxy. */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * Compiles a `trust proxy` value exactly as Express does (express/lib/utils.js `compileTrust`), so an
 * upgrade request gets the same client address as `req.ip` of an HTTP request on the same server:
 * `true` trusts every hop, a number trusts that many hops, a string is a comma-separated list of
 * addresses, subnets and names (`loopback`, `uniquelocal`, …), and `false` trusts none.
 */
export function compileTrust(value: boolean | number | string): TrustFn {
  if (value === true) return () => true;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  if (value === false) return proxyaddr.compile([]);
  return proxyaddr.compile(value.split(',').map((item) => item.trim()));
}

/** The client address of a request: the socket's peer, or the X-Forwarded-For entry the trusted proxies vouch for. */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  // proxy-addr reads only the socket's remote address and the X-Forwarded-For header.
  return proxyaddr(req as Parameters<typeof proxyaddr>[0], trust);
}

/** Expands an IPv6 address (no zone, possibly with `::` or a trailing dotted IPv4) to its eight groups. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((group) => parseInt(group, 16));
}

/**
 * The key connections are counted under for the per-address cap. An IPv4 address (also written as an
 * IPv4-mapped IPv6 address) is its own key; an IPv6 address counts under its /64 network, the block
 * one subscriber is usually given, so a client cannot dodge the cap by rotating addresses inside it.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
