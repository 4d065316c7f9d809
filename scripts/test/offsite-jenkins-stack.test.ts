/**
 * The Jenkins target through its stack: a stand-in `docker` on PATH answers like Docker for the jenkins stack (the
 * controller's container and its home volume's mountpoint, stop and start) and records every call; the bucket is
 * s3rver on loopback. Its `stop controller` leaves a marker in the home and `start controller` removes it, so the
 * archive shows whether it was packed while the controller was stopped, and a restored home whether it was started
 * after the swap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OffsiteSettings, TargetSources } from '../src/offsite-plan';
import { executeRestore, prepareBackup, resolveRestorePlan, runOffsiteBackup, storedBackups, type Runtime } from '../src/ops/offsite';
import { openBucket } from '../src/ops/s3-store';
import { offsiteSettings, startOffsiteBucket, type OffsiteBucket } from './offsite-bucket';

const MARKER = 'packed-while-stopped';

let tmp: string;
let server: OffsiteBucket;
let settings: OffsiteSettings;
let calls: string;
let home: string;
let sources: TargetSources;
const savedPath = process.env.PATH;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-offsite-jenkins-'));
  server = await startOffsiteBucket(tmp);
  settings = offsiteSettings(server, tmp);
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  calls = path.join(tmp, 'docker.calls');
  const volumes = path.join(tmp, 'volumes', 'jenkins_jenkins-home');
  home = path.join(volumes, '_data');
  const inspect = path.join(tmp, 'inspect.json');
  fs.writeFileSync(
    inspect,
    JSON.stringify([
      {
        Id: 'c1',
        Name: '/jenkins-controller-1',
        Config: { Image: 'shagram-jenkins-controller:local', Labels: { 'com.docker.compose.service': 'controller' } },
        State: { Status: 'running', ExitCode: 0, Health: { Status: 'healthy' } },
        Mounts: [{ Type: 'volume', Name: 'jenkins_jenkins-home', Source: home, Destination: '/var/jenkins_home' }],
      },
    ]),
  );
  fs.writeFileSync(
    path.join(bin, 'docker'),
    [
      '#!/bin/sh',
      `echo "$*" >> '${calls}'`,
      'case "$*" in',
      '  "compose version") exit 0 ;;',
      '  "compose -f compose.yaml ps -a -q") echo c1; exit 0 ;;',
      `  "inspect c1") cat '${inspect}'; exit 0 ;;`,
      `  "compose -f compose.yaml stop controller") [ -d '${home}' ] && touch '${home}/${MARKER}'; exit 0 ;;`,
      `  "compose -f compose.yaml start controller") rm -f '${home}/${MARKER}'; exit 0 ;;`,
      'esac',
      'echo "docker stand-in: unexpected: $*" >&2; exit 1',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const stacks = path.join(tmp, 'stacks');
  fs.mkdirSync(path.join(stacks, 'jenkins'), { recursive: true });
  fs.writeFileSync(path.join(stacks, 'jenkins', 'compose.yaml'), 'services: {}\n');
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
const recorded = (): string[] => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : []);

test('a failed pack starts the controller again and reports one line; nothing is uploaded, no metric', async () => {
  // The volume's folder does not exist yet: tar fails after the stop.
  fs.rmSync(calls, { force: true });
  const rt = clock('2026-12-04T03:15:00Z');
  const error = await runOffsiteBackup(['jenkins'], sources, path.join(tmp, 'work'), settings, rt).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error?.message).toMatch(/^1 of 1 backups failed: jenkins: tar exited 2: .*_data.*$/);
  expect(recorded()).toEqual([
    'compose version',
    'compose -f compose.yaml ps -a -q',
    'inspect c1',
    'compose -f compose.yaml stop controller',
    'compose -f compose.yaml start controller',
  ]);
  expect(await storedBackups(openBucket(settings), settings.prefix)).toEqual([]);
  expect(fs.existsSync(settings.metricsFile)).toBe(false);
  expect(fs.readdirSync(path.join(tmp, 'work'))).toEqual([]);
});

test('backup packs the home while the controller is stopped; restore stops it, swaps the folder, starts it and waits', async () => {
  fs.mkdirSync(path.join(home, 'jobs', 'shagram'), { recursive: true });
  fs.writeFileSync(path.join(home, 'config.xml'), '<hudson/>');
  fs.writeFileSync(path.join(home, 'jobs', 'shagram', 'config.xml'), '<flow-definition/>');
  fs.rmSync(calls, { force: true });
  const [result] = await runOffsiteBackup(['jenkins'], sources, path.join(tmp, 'work'), settings, clock('2026-12-05T03:15:00Z'));
  expect(result?.key).toBe('shagram/jenkins/20261205T031500Z.tar.gz.enc');
  expect(recorded().slice(3)).toEqual(['compose -f compose.yaml stop controller', 'compose -f compose.yaml start controller']);
  expect(fs.existsSync(path.join(home, MARKER))).toBe(false); // started again
  // The archive holds the marker the stand-in left at the stop: it was packed while the controller was stopped.
  const look = path.join(tmp, 'look');
  await prepareBackup(openBucket(settings), result?.key as string, 'jenkins', look, settings.key);
  expect(fs.existsSync(path.join(look, 'jenkins_home', MARKER))).toBe(true);
  fs.rmSync(look, { recursive: true });

  fs.writeFileSync(path.join(home, 'config.xml'), '<hudson>changed</hudson>');
  fs.rmSync(calls, { force: true });
  const rt = clock('2026-12-05T09:00:00Z');
  const plan = await resolveRestorePlan('jenkins', result?.key as string, sources, '20261205T090000Z', 30);
  await executeRestore(plan, openBucket(settings), settings.key, rt);
  expect(recorded()).toEqual([
    'compose version', // resolve: the compose CLI, the controller's home
    'compose -f compose.yaml ps -a -q',
    'inspect c1',
    'compose -f compose.yaml stop controller',
    'compose -f compose.yaml start controller',
    'compose version', // the health wait
    'compose -f compose.yaml ps -a -q',
    'inspect c1',
  ]);
  expect(fs.readFileSync(path.join(home, 'config.xml'), 'utf8')).toBe('<hudson/>');
  expect(fs.readFileSync(path.join(home, 'jobs', 'shagram', 'config.xml'), 'utf8')).toBe('<flow-definition/>');
  // The restored home's marker (from the archive) was removed by the start: the start came after the swap.
  expect(fs.existsSync(path.join(home, MARKER))).toBe(false);
  expect(fs.readFileSync(path.join(`${home}.replaced-20261205T090000Z`, 'config.xml'), 'utf8')).toBe('<hudson>changed</hudson>');
  expect(rt.lines).toContain('jenkins: jenkins: 1/1 up, 1 healthy');
});
