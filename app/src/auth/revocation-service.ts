import type { ChatStore } from '../db/chat-store';
import type { Logger } from '../logger';
import { RevocationList, type Revocation } from './revocation';
import type { TokenClaims } from './tokens';

/** Options of {@link Revocations}. */
export interface RevocationOptions {
  /** Token lifetime (seconds): how long an epoch revocation must be kept. */
  tokenTtlSeconds: number;
  /** How often the store is read for revocations made by other replicas (milliseconds). */
  pollMs: number;
  /** Most revoked token ids held in memory (see RevocationList). */
  maxTokens: number;
}

/** Slack added to an epoch revocation's lifetime for clocks of replicas that disagree a little. */
const CLOCK_SLACK_SECONDS = 60;
/** Expired rows are deleted from the store at most this often. */
const PRUNE_EVERY_MS = 60_000;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Server-side token revocation: writes revocations to the store and keeps the in-process {@link RevocationList}
 * up to date with every replica's. At start every unexpired revocation is read; then the store is polled every
 * `pollMs` for new rows (one indexed query per replica per interval, whatever the traffic), so a revocation made
 * on one replica is enforced on all of them within `pollMs` (plus the query's time). Its own revocations a
 * replica applies at once. Listeners hear of each revocation that changed something (to close WebSockets).
 */
export class Revocations {
  readonly list: RevocationList;
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastPrune = 0;
  private readonly listeners: Array<(revocation: Revocation) => void> = [];

  constructor(
    private readonly store: ChatStore,
    private readonly options: RevocationOptions,
    private readonly logger: Logger,
  ) {
    this.list = new RevocationList(options.maxTokens);
  }

  /** Reads every unexpired revocation, then polls for new ones. Rejects when the store cannot be read. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not read token revocations; retrying'))
        .finally(() => {
          this.polling = undefined;
        });
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Called with every revocation that changed what is refused (this replica's and the others'). */
  onRevoke(listener: (revocation: Revocation) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Revokes one token. A token without an id, or a full list, revokes all of the account's tokens instead.
   * @returns which was done.
   */
  async revokeToken(claims: TokenClaims): Promise<'token' | 'all'> {
    if (claims.jti === undefined || !this.list.hasRoomForToken()) {
      await this.revokeAll(claims.username);
      return 'all';
    }
    await this.store.revokeToken(claims.username, claims.jti, claims.exp);
    this.applied({ username: claims.username, jti: claims.jti, min_epoch: null, expires_at: claims.exp });
    return 'token';
  }

  /** Revokes every token of the account issued so far ("log out everywhere"). @returns false for no such account. */
  async revokeAll(username: string): Promise<boolean> {
    const expiresAt = this.epochExpiry();
    const epoch = await this.store.revokeAllTokens(username, expiresAt);
    if (epoch === undefined) return false;
    this.applied({ username, jti: null, min_epoch: epoch, expires_at: expiresAt });
    return true;
  }

  /** Deletes the account (see ChatStore.deleteUser) and revokes all its tokens. @returns false for no such account. */
  async deleteAccount(username: string): Promise<boolean> {
    const expiresAt = this.epochExpiry();
    const epoch = await this.store.deleteUser(username, expiresAt);
    if (epoch === undefined) return false;
    this.applied({ username, jti: null, min_epoch: epoch, expires_at: expiresAt });
    return true;
  }

  /** Stops polling (waits for a poll in progress). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** Reads the revocations made since the last poll (by any replica) and applies them. */
  async poll(): Promise<void> {
    const now = nowSeconds();
    const rows = await this.store.revocations(this.cursor, now);
    for (const row of rows) {
      this.cursor = Math.max(this.cursor, row.id);
      this.applied(row);
    }
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      this.list.prune(now);
      await this.store.pruneRevocations(now);
    }
  }

  /** Every token issued until now has expired by then. */
  private epochExpiry(): number {
    return nowSeconds() + this.options.tokenTtlSeconds + CLOCK_SLACK_SECONDS;
  }

  private applied(revocation: Revocation): void {
    if (!this.list.apply(revocation)) return;
    for (const listener of this.listeners) {
      try {
        listener(revocation);
      } catch (error) {
        this.logger.error({ err: error }, 'a revocation listener failed');
      }
    }
  }
}
