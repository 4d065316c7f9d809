/**
 * The chat target through its stacks: a stand-in `docker` on PATH answers like Docker for the shagram stack (the app
 * container and its data volume's mountpoint) and the edge stack (nginx), and records every call with the stack it
 * was made in; the bucket is s3rver on loopback. A good backup is restored with the app stopped and the edge
 * restarted; a corrupted object is refused before anything is stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { openDatabase } from '../../app/src/db/sqlite-database';
import type { OffsiteSettings, TargetSources } from '../src/offsite-plan';
import { executeRestore, resolveRestorePlan, runOffsiteBackup, type Runtime } from '../src/ops/offsite';
import { openBucket } from '../src/ops/s3-store';
import { offsiteSettings, startOffsiteBucket, type OffsiteBucket } from './offsite-bucket';

let tmp: string;
let server: OffsiteBucket;
let settings: OffsiteSettings;
let calls: string;
let live: string;
let sources: TargetSources;
const savedPath = process.env.PATH;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-offsite-chat-'));
  server = await startOffsiteBucket(tmp);
  settings = offsiteSettings(server, tmp);
  const volume = path.join(tmp, 'volumes', 'shagram_app-data', '_data');
  fs.mkdirSync(volume, { recursive: true });
  live = path.join(volume, 'shagram.db');
  const db = openDatabase(live, path.join(__dirname, '../../app/migrations'));
  db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'alice', 'before the backup', '2026-12-05T01:00:00.000Z')").run();
  db.close();

  const container = (id: string, service: string, mounts: object[]) => ({
    Id: id,
    Name: `/${service}-1`,
    Config: { Image: service, Labels: { 'com.docker.compose.service': service } },
    State: { Status: 'running', ExitCode: 0, Health: { Status: 'healthy' } },
    Mounts: mounts,
  });
  fs.writeFileSync(path.join(tmp, 'a1.json'), JSON.stringify([container('a1', 'app', [{ Type: 'volume', Name: 'shagram_app-data', Source: volume, Destination: '/app/data' }])]));
  fs.writeFileSync(path.join(tmp, 'e1.json'), JSON.stringify([container('e1', 'nginx', [])]));
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  calls = path.join(tmp, 'docker.calls');
  fs.writeFileSync(
    path.join(bin, 'docker'),
    [
      '#!/bin/sh',
      `if [ "$*" = "compose version" ]; then echo "compose version" >> '${calls}'; exit 0; fi`,
      'stack=$(basename "$PWD")',
      `echo "$stack: $*" >> '${calls}'`,
      'case "$stack: $*" in',
      '  "shagram: compose -f compose.yaml ps -a -q") echo a1 ;;',
      '  "edge: compose -f compose.yaml ps -a -q") echo e1 ;;',
      `  *": inspect a1") cat '${tmp}/a1.json' ;;`,
      `  *": inspect e1") cat '${tmp}/e1.json' ;;`,
      '  "shagram: compose -f compose.yaml stop app"|"shagram: compose -f compose.yaml start app"|"edge: compose -f compose.yaml restart nginx") ;;',
      '  *) echo "docker stand-in: unexpected: $*" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const stacks = path.join(tmp, 'stacks');
  for (const stack of ['shagram', 'edge']) {
    fs.mkdirSync(path.join(stacks, stack), { recursive: true });
    fs.writeFileSync(path.join(stacks, stack, 'compose.yaml'), 'services: {}\n');
  }
  sources = { stacksRoot: stacks, harborData: tmp };
  process.env.PATH = `${bin}:${savedPath}`;
});
afterAll(async () => {
  process.env.PATH = savedPath;
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const clock = (iso: string): Runtime & { lines: string[] } => {
  const lines: string[] = [];
  return { now: () => new Date(iso), log: (line) => lines.push(line), lines };
};
const recorded = (): string[] => fs.readFileSync(calls, 'utf8').trim().split('\n');
const changes = (): string[] => recorded().filter((c) => /(stop|start|restart) /.test(c));
const texts = (): string[] => {
  const db = new Database(live, { readonly: true });
  try {
    return (db.prepare('SELECT text FROM messages ORDER BY id').all() as { text: string }[]).map((r) => r.text);
  } finally {
    db.close();
  }
};

test('backup finds the database through the app container; a corrupted object stops nothing; a good one is restored with the app stopped', async () => {
  const [result] = await runOffsiteBackup(['chat'], sources, path.join(tmp, 'work'), settings, clock('2026-12-05T03:15:00Z'));
  const key = result?.key as string;
  expect(recorded()).toEqual(['compose version', 'shagram: compose -f compose.yaml ps -a -q', 'shagram: inspect a1']); // online: nothing stopped
  const db = new Database(live);
  db.prepare("INSERT INTO messages(room_id, user, text, created_at) VALUES ('general', 'alice', 'after the backup', '2026-12-05T04:00:00.000Z')").run();
  db.close();

  // Corrupted (a flipped byte, metadata kept): refused before anything is stopped.
  const bucket = openBucket(settings);
  const got = await bucket.client.send(new GetObjectCommand({ Bucket: 'backups', Key: key }));
  const good = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  const bad = Buffer.from(good);
  bad.writeUInt8(bad.readUInt8(100) ^ 0xff, 100);
  await bucket.client.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: bad, Metadata: got.Metadata }));
  fs.rmSync(calls);
  const plan = await resolveRestorePlan('chat', key, sources, '20261205T090000Z', 30);
  await expect(executeRestore(plan, bucket, settings.key, clock('2026-12-05T09:00:00Z'))).rejects.toThrow(/checksum mismatch.*refused, nothing was changed$/);
  expect(changes()).toEqual([]);
  expect(texts()).toEqual(['before the backup', 'after the backup']);

  // The good object again: stop the app, swap, start it, restart the edge, wait for both.
  await bucket.client.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: good, Metadata: got.Metadata }));
  fs.rmSync(calls);
  const rt = clock('2026-12-05T09:01:00Z');
  await executeRestore(await resolveRestorePlan('chat', key, sources, '20261205T090100Z', 30), bucket, settings.key, rt);
  expect(changes()).toEqual(['shagram: compose -f compose.yaml stop app', 'shagram: compose -f compose.yaml start app', 'edge: compose -f compose.yaml restart nginx']);
  expect(recorded().filter((c) => c !== 'compose version').slice(-4)).toEqual(['shagram: compose -f compose.yaml ps -a -q', 'shagram: inspect a1', 'edge: compose -f compose.yaml ps -a -q', 'edge: inspect e1']);
  expect(texts()).toEqual(['before the backup']);
  expect(rt.lines).toEqual(expect.arrayContaining(['chat: shagram: 1/1 up, 1 healthy', 'chat: edge: 1/1 up, 1 healthy']));
});
