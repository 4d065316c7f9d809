import type { Rate } from '../config/rate';
import { TokenBucket } from './rate-limiter';

/** How many WebSocket connections this process accepts, per account, per client address and in all. */
export interface ConnectionCaps {
  perAccount: number;
  perAddress: number;
  total: number;
}

/** Why an upgrade was refused by a cap (the `reason` label of `shagram_ws_upgrades_refused_total`). */
export type CapReason = 'account_connections' | 'address_connections' | 'server_connections';

/** A refused admission: answered on the upgrade with this HTTP status and a JSON body `{ error, code }`. */
export interface CapRefusal {
  ok: false;
  reason: CapReason;
  status: 429 | 503;
  message: string;
}

/** An admitted connection: the account's shared message bucket, and the slot to give back when it ends. */
export interface Admission {
  ok: true;
  /** Shared by every connection of the account on this process. */
  bucket: TokenBucket;
  /** Gives the slot back. Idempotent: call it from every way a connection can end. */
  release(): void;
}

interface AccountState {
  connections: number;
  bucket: TokenBucket;
}

/**
 * Counts connections per account, per client address and in all, and keeps each account's message
 * bucket. Nothing here does I/O: the gateway asks {@link admit} before the handshake (so a refused
 * client never gets a WebSocket) and releases the slot when the TCP socket closes, however it ends.
 *
 * Per-message cost: none here. A peer holds its account's bucket itself, so the account limit is one
 * `take()` per frame. An account whose last connection closed keeps its bucket until the bucket has
 * refilled ({@link sweep}), so closing and reopening sockets does not reset the account's rate.
 */
export class ConnectionLimits {
  private readonly accounts = new Map<string, AccountState>();
  private readonly addresses = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly caps: ConnectionCaps,
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for a connection of `account` from `address` (see client-address.ts `addressKey`), or says why not. */
  admit(account: string, address: string): Admission | CapRefusal {
    const { caps } = this;
    if (this.total >= caps.total) {
      return { ok: false, reason: 'server_connections', status: 503, message: 'the server has too many connections, try again later' };
    }
    let state = this.accounts.get(account);
    if (state && state.connections >= caps.perAccount) {
      return { ok: false, reason: 'account_connections', status: 429, message: `too many connections for this account (at most ${caps.perAccount})` };
    }
    const fromAddress = this.addresses.get(address) ?? 0;
    if (fromAddress >= caps.perAddress) {
      return { ok: false, reason: 'address_connections', status: 429, message: `too many connections from this address (at most ${caps.perAddress})` };
    }
    if (!state) {
      state = { connections: 0, bucket: new TokenBucket(this.rate, this.now) };
      this.accounts.set(account, state);
    }
    state.connections++;
    this.addresses.set(address, fromAddress + 1);
    this.total++;
    const held = state;
    let released = false;
    return {
      ok: true,
      bucket: held.bucket,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        held.connections--;
        const left = (this.addresses.get(address) ?? 1) - 1;
        if (left === 0) this.addresses.delete(address);
        else this.addresses.set(address, left);
        // An account with nothing to remember (no connection, bucket full) is forgotten at once.
        if (held.connections === 0 && held.bucket.isFull() && this.accounts.get(account) === held) this.accounts.delete(account);
      },
    };
  }

  /** Forgets accounts with no connection whose bucket has refilled (run now and then, e.g. at each heartbeat). */
  sweep(): void {
    for (const [account, state] of this.accounts) if (state.connections === 0 && state.bucket.isFull()) this.accounts.delete(account);
  }

  /** Current counts: connections in all, accounts and addresses with connections, accounts remembered. */
  counts(): { connections: number; accounts: number; addresses: number; remembered: number } {
    let accounts = 0;
    for (const state of this.accounts.values()) if (state.connections > 0) accounts++;
    return { connections: this.total, accounts, addresses: this.addresses.size, remembered: this.accounts.size };
  }

  /** Connections of one account (0 when none). */
  connectionsOf(account: string): number {
    return this.accounts.get(account)?.connections ?? 0;
  }
}
