import crypto from 'node:crypto';
import { githubSignature, verifyGithubSignature } from '../src/webhook-signature';

describe('GitHub X-Hub-Signature-256', () => {
  // The example from GitHub's "Validating webhook deliveries" documentation.
  const secret = "It's a Secret to Everybody";
  const payload = 'Hello, World!';
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('matches the value GitHub documents for its example', () => {
    expect(githubSignature(secret, payload)).toBe(documented);
    expect(verifyGithubSignature(secret, Buffer.from(payload), documented)).toBe(true);
  });

  it('is HMAC-SHA256 of the raw body bytes, hex, prefixed sha256=', () => {
    const body = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }));
    const hex = crypto.createHmac('sha256', 'webhook-secret').update(body).digest('hex');
    expect(githubSignature('webhook-secret', body)).toBe(`sha256=${hex}`);
  });

  it('rejects a wrong secret, a changed body, a missing or malformed header', () => {
    expect(verifyGithubSignature('other secret', payload, documented)).toBe(false);
    expect(verifyGithubSignature(secret, 'Hello, World?', documented)).toBe(false);
    expect(verifyGithubSignature(secret, payload, undefined)).toBe(false);
    expect(verifyGithubSignature(secret, payload, documented.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyGithubSignature(secret, payload, documented.toUpperCase())).toBe(false);
    expect(verifyGithubSignature(secret, payload, documented.slice(0, -2))).toBe(false);
  });
});
