import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RevocationList } from './revocation';

const ISSUER = 'shagram';

/** What a valid access token says. */
export interface TokenClaims {
  /** `sub`: the account's username. */
  username: string;
  /** `jti`: the token's own id (tokens issued before revocation existed have none). */
  jti: string | undefined;
  /** `ep`: the account's token epoch when the token was issued (0 when absent). */
  epoch: number;
  /** `exp`: unix seconds. */
  exp: number;
}

/**
 * Signs and verifies access tokens: HS256 only, `sub` = username, `iss` = shagram, `iat`, `exp`, `jti` (a random
 * id) and `ep` (the account's token epoch). A token that the {@link RevocationList} names is refused like an
 * expired one: the check is in memory, so it costs no database query.
 */
export class TokenService {
  /**
   * The secret as a KeyObject, made once. Given a string, jsonwebtoken (9.x, `verify.js`/`sign.js`) first tries
   * `crypto.createPublicKey` on it, which throws for an HMAC secret, and only then makes a secret key: about 2 ms of
   * one core per call, which was most of a reconnect storm's CPU. A KeyObject skips both.
   */
  private readonly key: crypto.KeyObject;

  constructor(
    secret: string,
    readonly ttlSeconds: number,
    private readonly revoked?: RevocationList,
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** Issues an access token for `username` at the account's token `epoch`. */
  issue(username: string, epoch = 0): string {
    return jwt.sign({ ep: epoch }, this.key, {
      algorithm: 'HS256',
      subject: username,
      issuer: ISSUER,
      expiresIn: this.ttlSeconds,
      jwtid: crypto.randomUUID(),
    });
  }

  /**
   * @returns the claims of a valid token, or undefined for a missing, expired, tampered, unsigned (`alg: none`),
   * otherwise-signed (e.g. HS512) or revoked token.
   */
  verifyClaims(token: string | undefined | null): TokenClaims | undefined {
    if (!token || token.length > 4096) return undefined;
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER });
    } catch {
      return undefined;
    }
    if (typeof payload !== 'object' || typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') return undefined;
    const epoch = payload.ep === undefined ? 0 : payload.ep;
    if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return undefined;
    const jti = typeof payload.jti === 'string' && payload.jti !== '' ? payload.jti : undefined;
    const claims: TokenClaims = { username: payload.sub, jti, epoch, exp: payload.exp };
    if (this.revoked?.isRevoked(claims)) return undefined;
    return claims;
  }

  /** @returns the username of a valid, unrevoked token (see {@link verifyClaims}), or undefined. */
  verify(token: string | undefined | null): string | undefined {
    return this.verifyClaims(token)?.username;
  }
}
