import crypto from 'node:crypto';

/** The `X-Hub-Signature-256` value GitHub sends for a payload: `sha256=` + hex HMAC-SHA256 of the raw body. Pure. */
export function githubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks an `X-Hub-Signature-256` header against the raw body, in constant time. Pure. */
export function verifyGithubSignature(secret: string, body: Buffer | string, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(githubSignature(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
