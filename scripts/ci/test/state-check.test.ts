/**
 * The state-backend check against a real S3-compatible server on loopback (s3rver), holding objects laid out as
 * Pulumi's diy backend lays them out (pkg/backend/diy: `.pulumi/meta.yaml`, `.pulumi/stacks/<project>/<stack>.json`,
 * `.pulumi/locks/organization/<project>/<stack>/<id>.json` with `{"pid","username","hostname","timestamp"}`).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
// s3rver ships no types; its constructor and run/close are all this test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
import { formatLocks, judgeState, parseS3BackendUrl, stateKeys } from '../src/state-backend-plan';
import { checkStateBackend, s3ClientFor } from '../src/state-check-run';

const BUCKET = 'shagram-state';
// s3rver's built-in account (lib/models/account.js). s3rver refuses an unknown access key id (403
// InvalidAccessKeyId) but does not verify a SigV4 signature (lib/middleware/authentication.js: "Signature version 4
// calculation is unimplemented"), so a wrong secret would pass here where Yandex Object Storage answers 403
// SignatureDoesNotMatch: the wrong-credentials case uses an unknown key id.
const KEY = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const REPO = path.resolve(__dirname, '..', '..', '..');

describe('state backend URL and layout (pure)', () => {
  test('a Yandex Object Storage URL as docs/bootstrap.md writes it', () => {
    expect(parseS3BackendUrl('s3://shagram-state-b1g?endpoint=storage.yandexcloud.net&region=ru-central1&s3ForcePathStyle=true')).toEqual({
      bucket: 'shagram-state-b1g',
      prefix: '',
      region: 'ru-central1',
      endpoint: 'https://storage.yandexcloud.net',
      forcePathStyle: true,
    });
  });

  test('disableSSL makes a scheme-less endpoint http (as Pulumi translates it); a path is a prefix', () => {
    const t = parseS3BackendUrl('s3://bucket-a/team/shagram?endpoint=127.0.0.1:9000&disableSSL=true&use_path_style=true&region=x');
    expect(t).toMatchObject({ bucket: 'bucket-a', prefix: 'team/shagram', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(stateKeys(t, 'shagram', 'prod')).toMatchObject({
      meta: 'team/shagram/.pulumi/meta.yaml',
      checkpoints: ['team/shagram/.pulumi/stacks/shagram/prod.json', 'team/shagram/.pulumi/stacks/shagram/prod.json.gz', 'team/shagram/.pulumi/stacks/shagram/prod.json.zst'],
      lockDir: 'team/shagram/.pulumi/locks/organization/shagram/prod/',
    });
  });

  test.each([
    ['', /PULUMI_BACKEND_URL is not set/],
    ['file:///var/lib/pulumi', /a folder on one machine; CI needs the shared S3 bucket/],
    ['https://api.pulumi.com', /is not an s3:\/\/ URL/],
    ['s3://A_B', /is not a bucket name/],
  ])('refuses %j', (url, message) => {
    expect(() => parseS3BackendUrl(url)).toThrow(message);
  });

  test("the locked message is Pulumi's own, one line per lock", () => {
    expect(formatLocks('b', [{ key: 'k1', content: { username: 'jenkins', hostname: 'agent', pid: 7, timestamp: '2026-12-05T10:00:00Z' } }, { key: 'k2' }])).toBe(
      [
        'the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.',
        '  s3://b/k1: created by jenkins@agent (pid 7) at 2026-12-05T10:00:00Z',
        '  s3://b/k2: (unreadable lock content)',
      ].join('\n'),
    );
  });

  test('an unreachable bucket is the only problem reported (nothing else could be read)', () => {
    const t = parseS3BackendUrl('s3://b-1?endpoint=e');
    expect(judgeState(t, 'prod', { bucketReachable: false, bucketError: 'HTTP 403', locks: [], writable: false }, true)).toEqual([
      expect.stringMatching(/^cannot reach bucket b-1 at https:\/\/e: HTTP 403 \(check AWS_ACCESS_KEY_ID/),
    ]);
  });
});

describe('state-check against s3rver', () => {
  let dir: string;
  let server: InstanceType<typeof S3rver>;
  let url: string;
  let client: S3Client;
  const credentials = { accessKeyId: KEY.AWS_ACCESS_KEY_ID, secretAccessKey: KEY.AWS_SECRET_ACCESS_KEY };
  const check = (requireState: boolean, over: Partial<{ url: string; keyId: string }> = {}) =>
    checkStateBackend(over.url ?? url, 'shagram', 'prod', { requireState, client: { credentials: { ...credentials, accessKeyId: over.keyId ?? credentials.accessKeyId } } });
  const put = (Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  const keysInBucket = async () => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key).sort();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-s3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await server.run();
    url = `s3://${BUCKET}?endpoint=127.0.0.1:${port}&disableSSL=true&s3ForcePathStyle=true&region=ru-central1`;
    client = s3ClientFor(parseS3BackendUrl(url), { credentials });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a new bucket: fine before the first deploy, refused for a CI deploy (naming the first-deploy step)', async () => {
    expect((await check(false)).problems).toEqual([]);
    const ci = await check(true);
    expect(ci.facts).toMatchObject({ bucketReachable: true, locks: [], writable: true });
    expect(ci.problems).toEqual([expect.stringMatching(/^no state for stack prod in s3:\/\/shagram-state: the first `pulumi up` runs from an operator's machine \(docs\/bootstrap\.md/)]);
  });

  test('state written as Pulumi writes it is found; the probe leaves nothing behind', async () => {
    await put('.pulumi/meta.yaml', 'version: 1\n');
    await put('.pulumi/stacks/shagram/prod.json.gz', 'checkpoint');
    const r = await check(true);
    expect(r.problems).toEqual([]);
    expect(r.facts).toMatchObject({ metaVersion: 1, checkpointKey: '.pulumi/stacks/shagram/prod.json.gz', writable: true });
    expect(await keysInBucket()).toEqual(['.pulumi/meta.yaml', '.pulumi/stacks/shagram/prod.json.gz']);
  });

  test("another update's lock refuses the deploy with Pulumi's message; after `pulumi cancel` removed it, the check passes", async () => {
    const lock = '.pulumi/locks/organization/shagram/prod/3f1c0a9e-1111-4b7e-9b4e-0123456789ab.json';
    await put(lock, JSON.stringify({ pid: 4242, username: 'jenkins', hostname: 'shagram-agent', timestamp: '2026-12-05T09:58:01.5Z' }));
    // A lock of another stack does not count.
    await put('.pulumi/locks/organization/shagram/staging/aaaa.json', JSON.stringify({ pid: 1, username: 'x', hostname: 'y', timestamp: 'z' }));
    const locked = await check(true);
    expect(locked.problems).toEqual([
      [
        'the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.',
        `  s3://shagram-state/${lock}: created by jenkins@shagram-agent (pid 4242) at 2026-12-05T09:58:01.5Z`,
      ].join('\n'),
    ]);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: lock }));
    expect((await check(true)).problems).toEqual([]);
  });

  test('a wrong key and a missing bucket are refused before anything else, with the status', async () => {
    const wrong = await check(true, { keyId: 'YCAJEnotakey' });
    expect(wrong.problems).toEqual([expect.stringMatching(/^cannot reach bucket shagram-state at http:\/\/127\.0\.0\.1:\d+: .*HTTP 403/)]);
    const missing = await check(true, { url: url.replace(`s3://${BUCKET}`, 's3://no-such-bucket') });
    expect(missing.problems).toEqual([expect.stringMatching(/^cannot reach bucket no-such-bucket .*HTTP 404/)]);
  });

  test('the command: one summary line and exit 1 on a problem, exit 0 when the update can start', async () => {
    const run = (stack: string) =>
      promisify(execFile)(path.join(REPO, 'scripts', 'ci', 'state-check'), ['--stack', stack], { env: { ...process.env, ...KEY, PULUMI_BACKEND_URL: url } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const ok = await run('prod');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/state-check: ok, pulumi up can take the lock of shagram\/prod/);
    const none = await run('staging');
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^state-check: no state for stack staging/),
      expect.stringMatching(/^state-check: the stack is currently locked by 1 lock\(s\)/),
      '  s3://shagram-state/.pulumi/locks/organization/shagram/staging/aaaa.json: created by x@y (pid 1) at z',
      'state-check: 2 problem(s) with the state backend; pulumi up would fail (see above)',
    ]);
  }, 30_000);
});
