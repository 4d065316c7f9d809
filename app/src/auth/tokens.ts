import jwt from 'jsonwebtoken';

const ISSUER = 'shagram';

/** Signs and verifies access tokens: HS256 only, `sub` = username, `iss` = shagram, `iat`, `exp`. */
export class TokenService {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Issues an access token for `username`. */
  issue(username: string): string {
    return jwt.sign({}, this.secret, { algorithm: 'HS256', subject: username, issuer: ISSUER, expiresIn: this.ttlSeconds });
  }

  /**
   * @returns the username of a valid token, or undefined for a missing, expired, tampered,
   * unsigned (`alg: none`) or otherwise-signed (e.g. HS512) token.
   */
  verify(token: string | undefined | null): string | undefined {
    if (!token || token.length > 4096) return undefined;
    try {
      const payload = jwt.verify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER });
      if (typeof payload !== 'object' || typeof payload.sub !== 'string' || payload.sub === '') return undefined;
      return payload.sub;
    } catch {
      return undefined;
    }
  }
}
