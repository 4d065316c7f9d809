/**
 * The stand-in's answers against the GitHub plugin's own tests (github.com/jenkinsci/github-plugin v1.46.0):
 * com/cloudbees/jenkins/GitHubWebHookFullTest.java and
 * org/jenkinsci/plugins/github/webhook/GHWebhookSignatureSHA256Test.java.
 */
import crypto from 'node:crypto';
import { githubSignature } from '../../scripts/ci/src/webhook-signature';
import { judgeDelivery } from './jenkins-github-webhook';

const json = { 'content-type': 'application/json' };
// GHWebhookSignatureSHA256Test: GitHub's documented example.
const SECRET = "It's a Secret to Everybody";
const PAYLOAD = Buffer.from('Hello, World!');
const DIGEST = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('Jenkins GitHub plugin stand-in', () => {
  it('accepts the documented SHA-256 signature and refuses another secret, a SHA-1 header alone and a foreign prefix', () => {
    const push = { ...json, 'x-github-event': 'push' };
    expect(judgeDelivery('POST', { ...push, 'x-hub-signature-256': `sha256=${DIGEST}` }, PAYLOAD, [SECRET]).status).toBe(200);
    // With several secrets configured, one that matches is enough (shouldProvideValidSignature loops over them).
    expect(judgeDelivery('POST', { ...push, 'x-hub-signature-256': `sha256=${DIGEST}` }, PAYLOAD, ['other', SECRET]).status).toBe(200);
    const refused = [
      { ...push, 'x-hub-signature-256': githubSignature('test-secret', PAYLOAD) },
      { ...push, 'x-hub-signature': `sha1=${crypto.createHmac('sha1', SECRET).update(PAYLOAD).digest('hex')}` },
      { ...push, 'x-hub-signature-256': `sha1=${DIGEST}` },
      push,
    ];
    for (const headers of refused) {
      expect(judgeDelivery('POST', headers, PAYLOAD, [SECRET])).toMatchObject({ status: 400, message: expect.stringMatching(/^No valid signature found\./) as unknown });
    }
  });

  it('answers as GitHubWebHookFullTest expects: 405 for GET, 400 without event or payload, the self test, unsigned with no secret', () => {
    expect(judgeDelivery('GET', {}, Buffer.alloc(0), [])).toEqual({ status: 405, message: 'Method POST required' });
    expect(judgeDelivery('POST', {}, Buffer.alloc(0), [])).toEqual({ status: 400, message: 'Hook should contain event type' });
    expect(judgeDelivery('POST', { 'x-github-event': 'push' }, Buffer.alloc(0), [])).toEqual({ status: 400, message: 'Hook should contain payload' });
    const selfTest = judgeDelivery('POST', { 'x-jenkins-validation': 'nonnull' }, Buffer.alloc(0), [SECRET]);
    expect(selfTest.status).toBe(200);
    expect(selfTest.headers?.['X-Instance-Identity']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // shouldParsePingFromGH: no secret configured, so no signature is needed.
    expect(judgeDelivery('POST', { ...json, 'x-github-event': 'ping' }, Buffer.from('{"zen":"Keep it simple."}'), []).status).toBe(200);
  });

  it('reads no payload from another content type, and knows only GHEvent names', () => {
    const signed = (body: Buffer) => ({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(SECRET, body) });
    expect(judgeDelivery('POST', { ...signed(PAYLOAD), 'content-type': 'application/json; charset=utf-8' }, PAYLOAD, [SECRET]).message).toBe('Hook should contain payload');
    expect(judgeDelivery('POST', { ...json, 'x-github-event': 'no_such_event' }, PAYLOAD, []).message).toBe('Hook should contain event type');
    expect(judgeDelivery('POST', { ...json, 'x-github-event': 'PULL_REQUEST' }, PAYLOAD, []).status).toBe(200);
  });

  it('signs the payload as a UTF-8 string: valid UTF-8 matches byte-for-byte, a malformed byte does not', () => {
    const utf8 = Buffer.from('{"message":"Zoë 🚀"}');
    const headers = (body: Buffer) => ({ ...json, 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(SECRET, body) });
    expect(judgeDelivery('POST', headers(utf8), utf8, [SECRET]).status).toBe(200);
    const malformed = Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(judgeDelivery('POST', headers(malformed), malformed, [SECRET]).status).toBe(400);
  });
});
