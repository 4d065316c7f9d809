/**
 * The in-process list of revoked access tokens, checked on every authenticated HTTP request and at every
 * WebSocket upgrade (never per message): a map of revoked token ids (`jti`) and, per account, the lowest
 * token epoch still accepted. Both kinds of entry are dropped once no token they name can still be valid
 * (a token id at its token's `exp`; an epoch once every older token has expired), so the list holds at most
 * what was revoked within one token lifetime. Token ids are capped at `maxTokens`: when the list is full,
 * {@link hasRoomForToken} says so and the caller revokes all of the account's tokens instead (fails closed).
 * Pure state: {@link Revocations} (revocation-service.ts) fills it from the store.
 */

/** One revocation as stored (see RevocationRow): a token id, or every token of `username` below `min_epoch`. */
export interface Revocation {
  username: string;
  jti: string | null;
  min_epoch: number | null;
  /** Unix seconds after which no token it names can be valid. */
  expires_at: number;
}

/** The parts of a token's claims a revocation is compared with. */
export interface RevocableClaims {
  username: string;
  jti: string | undefined;
  epoch: number;
}

export class RevocationList {
  private readonly tokens = new Map<string, number>();
  private readonly accounts = new Map<string, { minEpoch: number; expiresAt: number }>();

  constructor(
    readonly maxTokens: number,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** True when the token is revoked: its id is listed, or its epoch is below its account's lowest accepted one. */
  isRevoked(claims: RevocableClaims): boolean {
    if (claims.jti !== undefined && this.tokens.has(claims.jti)) return true;
    const account = this.accounts.get(claims.username);
    return account !== undefined && claims.epoch < account.minEpoch;
  }

  /**
   * Adds a revocation. @returns true when it changed what is refused (false for one already applied, e.g. a
   * replica reading back its own row, or an expired one).
   */
  apply(revocation: Revocation): boolean {
    if (revocation.expires_at <= this.nowSeconds()) return false;
    if (revocation.jti !== null) {
      if (this.tokens.has(revocation.jti)) return false;
      this.tokens.set(revocation.jti, revocation.expires_at);
      return true;
    }
    if (revocation.min_epoch === null) return false;
    const current = this.accounts.get(revocation.username);
    if (current && current.minEpoch >= revocation.min_epoch) {
      current.expiresAt = Math.max(current.expiresAt, revocation.expires_at);
      return false;
    }
    this.accounts.set(revocation.username, { minEpoch: revocation.min_epoch, expiresAt: Math.max(current?.expiresAt ?? 0, revocation.expires_at) });
    return true;
  }

  /** True when one more token id fits (expired entries are dropped first when the list is full). */
  hasRoomForToken(): boolean {
    if (this.tokens.size >= this.maxTokens) this.prune();
    return this.tokens.size < this.maxTokens;
  }

  /** Drops the entries that can no longer matter. @returns how many. */
  prune(now = this.nowSeconds()): number {
    let dropped = 0;
    for (const [jti, exp] of this.tokens) {
      if (exp <= now) {
        this.tokens.delete(jti);
        dropped++;
      }
    }
    for (const [username, account] of this.accounts) {
      if (account.expiresAt <= now) {
        this.accounts.delete(username);
        dropped++;
      }
    }
    return dropped;
  }

  /** Entries held: revoked token ids and accounts with a raised epoch. */
  get size(): { tokens: number; accounts: number } {
    return { tokens: this.tokens.size, accounts: this.accounts.size };
  }
}
