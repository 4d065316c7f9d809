/**
 * System lane: GitHub's webhook deliveries through the real edge. Debian's nginx runs the rendered
 * nginx/templates (jenkins.conf: `location = /github-webhook/`) with a development certificate, in front of a
 * stand-in for the Jenkins GitHub plugin's endpoint (test/system-helpers/jenkins-github-webhook.ts, which cites
 * the plugin's source). Deliveries are built as GitHub sends them: `Content-Type: application/json`,
 * `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
 * Needs scripts/setup.d/10-nginx-tls-tools.sh.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { githubSignature, verifyGithubSignature } from '../../scripts/ci/src/webhook-signature';
import { run } from '../../test/system-helpers/exec';
import { startJenkinsWebhookStandin, type JenkinsWebhookStandin } from '../../test/system-helpers/jenkins-github-webhook';
import { freePort } from '../../test/system-helpers/ports';
import { request, type Reply } from './https-client';
import { startLoopbackEdge, type LoopbackEdge } from './loopback-edge';

const repo = path.join(__dirname, '..', '..');
const CHAT = 'chat.shagram.test';
const JENKINS = 'jenkins.shagram.test';
const REGISTRY = 'registry.shagram.test';
const SECRET = crypto.randomBytes(32).toString('hex'); // as docs/bootstrap.md makes it: openssl rand -hex 32
/** The edge's `client_max_body_size 25m` in `location = /github-webhook/` (GitHub caps payloads at 25 MB). */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;
const NO_SIGNATURE_MESSAGE = 'No valid signature found.';

let dir: string;
let ca: Buffer;
let edge: LoopbackEdge;
let jenkins: JenkinsWebhookStandin;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-webhook-'));
  fs.chmodSync(dir, 0o755); // nginx workers (nobody) write request bodies to edge/tmp/body below it
  await run(path.join(repo, 'scripts', 'dev-certs'), ['--out', path.join(dir, 'tls'), '--host', CHAT, '--host', JENKINS, '--host', REGISTRY]);
  ca = fs.readFileSync(path.join(dir, 'tls', 'ca.pem'));
  jenkins = await startJenkinsWebhookStandin({ secrets: [SECRET] });
  const nobody = `127.0.0.1:${await freePort()}`; // chat and registry are not part of this test
  edge = await startLoopbackEdge(path.join(dir, 'edge'), { app: nobody, jenkins: `127.0.0.1:${jenkins.port}`, registry: nobody }, path.join(dir, 'tls'));
}, 60_000);

afterAll(async () => {
  await edge?.stop();
  await jenkins?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A repository as GitHub's webhook payloads describe it. */
const repository = {
  id: 801234567, node_id: 'R_kgDOL8xQhw', name: 'shagram', full_name: 'shagram-dev/shagram', private: true,
  owner: { name: 'shagram-dev', login: 'shagram-dev', id: 160123456, type: 'Organization' },
  html_url: 'https://github.com/shagram-dev/shagram', url: 'https://github.com/shagram-dev/shagram',
  clone_url: 'https://github.com/shagram-dev/shagram.git', ssh_url: 'git@github.com:shagram-dev/shagram.git',
  default_branch: 'main', master_branch: 'main', pushed_at: 1767225600, organization: 'shagram-dev',
};
const sender = { login: 'zoë-dev', id: 5123456, type: 'User', html_url: 'https://github.com/zo%C3%AB-dev' };

/** A commit of a push payload; `files` lengthens its file lists. */
function commit(n: number, files = 3): Record<string, unknown> {
  const id = crypto.createHash('sha1').update(`commit ${n}`).digest('hex');
  return {
    id, tree_id: crypto.createHash('sha1').update(`tree ${n}`).digest('hex'), distinct: true,
    message: `Chat: räumt Räume auf (${n}) — “quotes”, emoji 🚀, \\ backslash and a\nsecond line`,
    timestamp: '2026-01-01T00:00:00+01:00', url: `https://github.com/shagram-dev/shagram/commit/${id}`,
    author: { name: 'Zoë Dev', email: 'zoe@example.com', username: 'zoë-dev' },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [], removed: [],
    modified: Array.from({ length: files }, (_, i) => `app/src/ws/feature-${n}/module-${i}.ts`),
  };
}

/** A push event payload as GitHub sends it (compact JSON, UTF-8). */
function pushPayload(commits: Array<Record<string, unknown>>, padding = ''): Buffer {
  const head = commits.at(-1);
  return Buffer.from(JSON.stringify({
    ref: 'refs/heads/main', before: 'a'.repeat(40), after: String(head?.id), repository,
    pusher: { name: 'zoë-dev', email: 'zoe@example.com' }, organization: { login: 'shagram-dev', id: 160123456 }, sender,
    created: false, deleted: false, forced: false, base_ref: null,
    compare: `https://github.com/shagram-dev/shagram/compare/aaaaaaaaaaaa...${String(head?.id).slice(0, 12)}`,
    commits, head_commit: head, ...(padding ? { padding } : {}),
  }));
}

/** The ping GitHub sends when the webhook is created. */
function pingPayload(): Buffer {
  return Buffer.from(JSON.stringify({
    zen: 'Keep it logically awesome.', hook_id: 512345678,
    hook: {
      type: 'Repository', id: 512345678, name: 'web', active: true, events: ['push'],
      config: { content_type: 'json', insecure_ssl: '0', url: `https://${JENKINS}/github-webhook/` },
      updated_at: '2026-01-01T00:00:00Z', created_at: '2026-01-01T00:00:00Z',
    },
    repository, sender,
  }));
}

/** GitHub's delivery headers; `signature`: the X-Hub-Signature-256 value, or null for none. */
function githubHeaders(event: string, body: Buffer, signature: string | null): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    Accept: '*/*',
    'User-Agent': 'GitHub-Hookshot/5d6e1c3',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': crypto.randomUUID(),
    'X-GitHub-Hook-ID': '512345678',
    'X-GitHub-Hook-Installation-Target-ID': String(repository.id),
    'X-GitHub-Hook-Installation-Target-Type': 'repository',
    ...(signature === null ? {} : { 'X-Hub-Signature-256': signature }),
  };
}

/** `payload` with its `"padding":"<pad>"` value grown so that the whole body is `size` bytes. Pure. */
function padded(payload: Buffer, size: number): Buffer {
  const at = payload.indexOf('<pad>');
  return Buffer.concat([payload.subarray(0, at), Buffer.alloc(size - payload.length + '<pad>'.length, 'x'), payload.subarray(at + '<pad>'.length)]);
}

function deliver(event: string, body: Buffer, signature: string | null = githubSignature(SECRET, body)): Promise<Reply & { sent: Record<string, string> }> {
  const headers = githubHeaders(event, body, signature);
  return request('/github-webhook/', { port: edge.httpsPort, host: JENKINS, ca, method: 'POST', headers, body }).then((reply) => ({ ...reply, sent: headers }));
}

describe('GitHub webhook through the edge to the Jenkins GitHub plugin', () => {
  it('accepts a correctly signed push: the body arrives byte-for-byte with the headers the plugin reads', async () => {
    const body = pushPayload([commit(1), commit(2)]);
    const before = jenkins.accepted.length;
    const reply = await deliver('push', body);
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(0);
    expect(reply.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(jenkins.accepted).toHaveLength(before + 1);
    const got = jenkins.accepted[before];
    expect(got?.event).toBe('push');
    expect(got?.delivery).toBe(reply.sent['X-GitHub-Delivery']);
    expect(got?.raw.equals(body)).toBe(true);
    expect(verifyGithubSignature(SECRET, got?.raw ?? Buffer.alloc(0), String(got?.headers['x-hub-signature-256']))).toBe(true);
    expect(got?.headers).toMatchObject({
      'content-type': 'application/json', // exactly: the plugin reads no payload from "application/json; charset=…"
      'content-length': String(body.length),
      'x-hub-signature-256': reply.sent['X-Hub-Signature-256'],
      'x-github-event': 'push',
      'x-github-hook-id': '512345678',
      'user-agent': 'GitHub-Hookshot/5d6e1c3',
      host: JENKINS,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': JENKINS,
      'x-forwarded-for': '127.0.0.1',
    });
  });

  it('answers the signed ping with 200 (what "Recent Deliveries" shows); an unsigned ping is refused too', async () => {
    const body = pingPayload();
    const before = jenkins.accepted.length;
    const ping = await deliver('ping', body);
    expect(ping.status).toBe(200);
    expect(jenkins.accepted.slice(before).map((d) => d.event)).toEqual(['ping']);
    expect(jenkins.accepted.at(-1)?.raw.equals(body)).toBe(true);
    // The signature check runs before any event is dispatched, ping included.
    const unsigned = await deliver('ping', body, null);
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.toString()).toContain(NO_SIGNATURE_MESSAGE);
    expect(jenkins.accepted).toHaveLength(before + 1);
  });

  it('refuses wrongly signed, tampered and unsigned pushes with the plugin\'s 400 and hands none on', async () => {
    const body = pushPayload([commit(3)]);
    const tampered = Buffer.from(body.toString().replace('refs/heads/main', 'refs/heads/evil'));
    const before = jenkins.accepted.length;
    const replies = [
      await deliver('push', body, githubSignature('some other secret', body)),
      await deliver('push', tampered, githubSignature(SECRET, body)),
      await deliver('push', body, null),
      // A correct digest with SHA-1's prefix: the configured algorithm is SHA-256, so it is not a signature.
      await deliver('push', body, `sha1=${crypto.createHmac('sha1', SECRET).update(body).digest('hex')}`),
      // The plugin compares the hex digest as text: an upper-case copy of the right digest does not match.
      await deliver('push', body, `sha256=${crypto.createHmac('sha256', SECRET).update(body).digest('hex').toUpperCase()}`),
    ];
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    for (const reply of replies) {
      expect(reply.body.toString()).toContain(NO_SIGNATURE_MESSAGE);
      expect(reply.headers['strict-transport-security']).toBe('max-age=63072000');
    }
    expect(jenkins.accepted).toHaveLength(before);
    // They did reach Jenkins: the refusal is the plugin's, not the edge's.
    expect(jenkins.requests.slice(-5).map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
  });

  it('passes a ~1 MB push byte-for-byte (buffered to a temporary file at the edge) and it is accepted', async () => {
    const commits = Array.from({ length: 520 }, (_, n) => commit(n, 40));
    const body = pushPayload(commits);
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body.length).toBeLessThan(2_000_000);
    const before = jenkins.accepted.length;
    const reply = await deliver('push', body);
    expect(reply.status).toBe(200);
    expect(jenkins.accepted).toHaveLength(before + 1);
    expect(jenkins.accepted.at(-1)?.raw.equals(body)).toBe(true);
  });

  it('passes a delivery of exactly 25 MiB, and answers 413 itself for one byte more, which never reaches Jenkins', async () => {
    const atLimit = padded(pushPayload([commit(9)], '<pad>'), WEBHOOK_BODY_LIMIT);
    expect(atLimit.length).toBe(WEBHOOK_BODY_LIMIT);
    expect((JSON.parse(atLimit.toString()) as { after: string }).after).toMatch(/^[0-9a-f]{40}$/);
    const before = jenkins.accepted.length;
    const accepted = await deliver('push', atLimit);
    expect(accepted.status).toBe(200);
    expect(jenkins.accepted).toHaveLength(before + 1);
    expect(jenkins.accepted.at(-1)?.raw.equals(atLimit)).toBe(true);

    const over = padded(pushPayload([commit(9)], '<pad>'), WEBHOOK_BODY_LIMIT + 1);
    expect(over.length).toBe(WEBHOOK_BODY_LIMIT + 1);
    const requestsBefore = jenkins.requests.length;
    const refused = await deliver('push', over);
    expect(refused.status).toBe(413);
    expect(refused.headers.server).toBe('nginx');
    expect(jenkins.requests).toHaveLength(requestsBefore);
  }, 30_000);

  it('has no rate limit on the webhook (as jenkins.conf says): a burst of 30 signed pushes is accepted in full', async () => {
    // GitHub does not redeliver a failed delivery on its own, so a limit here would lose pushes.
    const bodies = Array.from({ length: 30 }, (_, n) => pushPayload([commit(100 + n)]));
    const before = jenkins.accepted.length;
    const replies = await Promise.all(bodies.map((body) => deliver('push', body)));
    expect(replies.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const got = jenkins.accepted.slice(before);
    expect(got).toHaveLength(30);
    const sent = new Set(bodies.map((b) => b.toString('base64')));
    expect(got.every((d) => sent.has(d.raw.toString('base64')))).toBe(true);
  });

  it('carries the plugin\'s own answers: 405 for GET, and the hook URL self test with X-Instance-Identity', async () => {
    const get = await request('/github-webhook/', { port: edge.httpsPort, host: JENKINS, ca });
    expect(get.status).toBe(405);
    expect(get.body.toString()).toContain('Method POST required');
    // The "Test hook URL" button of Jenkins's GitHub configuration posts to the hook URL (through this edge).
    const selfTest = await request('/github-webhook/', { port: edge.httpsPort, host: JENKINS, ca, method: 'POST', headers: { 'X-Jenkins-Validation': 'true' } });
    expect(selfTest.status).toBe(200);
    const identity = Buffer.from(String(selfTest.headers['x-instance-identity']), 'base64');
    expect(crypto.createPublicKey({ key: identity, format: 'der', type: 'spki' }).asymmetricKeyType).toBe('rsa');
  });
});
