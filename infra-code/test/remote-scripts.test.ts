/**
 * The generated remote scripts, executed for real by sh (and checked by `bash -n`) against a fake `docker` on PATH
 * that logs its arguments. This is the unit-lane stand-in for the SSH + podman run (see docs/infra.md).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packBundleArchive } from '../plan/bundle-archive';
import { certificateWaitScript } from '../plan/certificate-wait';
import { deployScript, downScript, imageCommands, prepareScript, stageScript, waitReadyScript, type DeployOptions } from '../plan/remote-scripts';
import { stackDeployOptions } from '../plan/stacks';

let root: string;
let bin: string;
let log: string;

/**
 * A fake docker: logs argv (but not `--help` calls); `compose up` fails while $root/fail-up exists; `info` fails
 * while $root/no-docker exists; `compose up --help` lists `--wait-timeout` (Compose v2).
 * With `withComposePlugin` false, `docker compose` is missing and a fake Compose v1 `docker-compose` answers:
 * no `--wait` in its help, `ps -q` lists the ids in $root/ids, and `docker inspect -f` prints
 * "/<id> <state line from $root/state-<id>>"; a state file with several lines gives one line per inspect.
 */
function fakeDocker(withComposePlugin = true): void {
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh
case "$*" in *--help*) ;; *) echo "docker $*" >> "${log}" ;; esac
case "$1 $2" in
  "info "*) [ ! -e "${root}/no-docker" ] ;;
  "compose version") ${withComposePlugin ? 'exit 0' : 'exit 1'} ;;
  "login --username") cat > "${root}/login-password"; [ ! -e "${root}/fail-login" ] ;;
  "compose up")
    if [ "$3" = "--help" ]; then echo "      --wait-timeout int   Maximum duration to wait for the project to be running|healthy"; exit 0; fi
    if [ -e "${root}/fail-up" ]; then echo "container app is unhealthy" >&2; exit 1; fi; echo "env: $(grep APP_IMAGE .env)" >> "${log}" ;;
  "inspect -f")
    for id; do :; done
    f="${root}/state-$id"; line=$(head -n 1 "$f"); if [ "$(wc -l < "$f")" -gt 1 ]; then sed -i 1d "$f"; fi
    echo "/$id $line" ;;
  *) exit 0 ;;
esac
`,
  );
  writeFileSync(
    join(bin, 'docker-compose'),
    `#!/bin/sh
case "$*" in *--help*) echo "    -d, --detach  Detached mode"; exit 0 ;; esac
echo "docker-compose $*" >> "${log}"
case "$1" in
  ps) cat "${root}/ids" 2>/dev/null ;;
  up) if [ -e "${root}/fail-up" ]; then exit 1; fi ;;
esac
exit 0
`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  chmodSync(join(bin, 'docker-compose'), 0o755);
}

/** Compose v1 fake: the project's containers and the state lines `docker inspect` reports for each. */
function v1Containers(states: Record<string, string[]>): void {
  writeFileSync(join(root, 'ids'), Object.keys(states).join('\n') + '\n');
  for (const [id, lines] of Object.entries(states)) writeFileSync(join(root, `state-${id}`), lines.join('\n') + '\n');
}

function run(script: string, stdin = '', cwd = root): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', script], { cwd, input: stdin, encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const logLines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

function opts(name = 'shagram'): DeployOptions {
  return { ...stackDeployOptions(name as 'shagram'), stackDir: join(root, 'stacks', name), incomingArchive: join(root, 'incoming', `${name}.tar.gz`) };
}

/** What the upload leaves: the stack's archive at `incomingArchive`, made from `files` (path → [content, mode]). */
function upload(o: DeployOptions, files: Record<string, [string, number]> = { 'compose.yaml': ['services: {}\n', 0o644] }): void {
  const dir = mkdtempSync(join(tmpdir(), 'shagram-bundle-'));
  for (const [path, [content, mode]] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    chmodSync(join(dir, path), mode);
  }
  packBundleArchive(dir, Object.keys(files), o.incomingArchive);
}

/** The .env a Shagram deploy receives (registry login values included). */
const SHAGRAM_ENV = (tag: string) => `APP_IMAGE='reg/shagram/shagram:${tag}'\nREGISTRY_HOST='reg'\nREGISTRY_USERNAME='robot$shagram+ci'\nREGISTRY_PASSWORD='robot-s3cret'\n`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'shagram-remote-'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  log = join(root, 'docker.log');
  fakeDocker();
});

test('every generated script is valid sh and bash syntax', () => {
  const o = opts();
  for (const s of [waitReadyScript({ dockerTimeoutSeconds: 4 }), prepareScript(o), stageScript(o), downScript(o), deployScript(o), deployScript(opts('harbor'))]) {
    expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
    expect(spawnSync('sh', ['-n'], { input: s }).status).toBe(0);
  }
});

test('prepare, stage, deploy: archive unpacked with its modes, .env from stdin with mode 600, login, pull then up --wait', () => {
  const o = opts();
  expect(run(prepareScript(o)).code).toBe(0);
  expect(statSync(o.stackDir).isDirectory()).toBe(true);
  expect(run(stageScript(o)).code).toBe(0);
  expect(existsSync(o.incomingArchive)).toBe(false);
  upload(o, { 'compose.yaml': ['services: {}\n', 0o644], 'templates/chat.conf.template': ['server {}\n', 0o644], 'entrypoint.d/30-tls.sh': ['#!/bin/sh\n', 0o755] });

  const env = SHAGRAM_ENV('aaaaaaa') + "JWT_SECRET='s3cret'\n";
  const r = run(deployScript(o), env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('deploy shagram: healthy');
  expect(readFileSync(join(o.stackDir, '.env'), 'utf8')).toBe(env);
  expect(statSync(join(o.stackDir, '.env')).mode & 0o777).toBe(0o600);
  expect(readFileSync(join(o.stackDir, 'templates', 'chat.conf.template'), 'utf8')).toBe('server {}\n');
  expect(statSync(join(o.stackDir, 'entrypoint.d', '30-tls.sh')).mode & 0o777).toBe(0o755);
  expect(statSync(join(o.stackDir, 'compose.yaml')).mode & 0o777).toBe(0o644);
  expect(existsSync(join(o.stackDir, '.env.previous'))).toBe(false);
  expect(logLines().filter((l) => !l.startsWith('docker compose version'))).toEqual([
    'docker login --username robot$shagram+ci --password-stdin reg',
    'docker compose pull',
    'docker compose up -d --wait --wait-timeout 180 --remove-orphans',
    "env: APP_IMAGE='reg/shagram/shagram:aaaaaaa'",
  ]);
  // The robot password reached docker on stdin only; no secret appears in what docker was called with.
  expect(readFileSync(join(root, 'login-password'), 'utf8')).toBe('robot-s3cret');
  expect(readFileSync(log, 'utf8')).not.toMatch(/s3cret/);
});

test('a failed registry login fails the deploy before any pull, keeping the previous .env', () => {
  const o = opts();
  run(prepareScript(o));
  upload(o);
  expect(run(deployScript(o), SHAGRAM_ENV('aaaaaaa')).code).toBe(0);
  writeFileSync(join(root, 'fail-login'), '');
  writeFileSync(log, '');
  const r = run(deployScript(o), SHAGRAM_ENV('bbbbbbb'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy shagram: docker login to reg as robot$shagram+ci failed');
  expect(r.stderr).toContain('deploy shagram: registry_login failed');
  expect(logLines().some((l) => l.includes('pull') || l.includes('compose up'))).toBe(false);
  expect(readFileSync(join(o.stackDir, '.env'), 'utf8')).toBe(SHAGRAM_ENV('aaaaaaa'));
});

test('a .env without the registry credential is refused by name', () => {
  const o = opts();
  run(prepareScript(o));
  upload(o);
  const r = run(deployScript(o), "APP_IMAGE='reg/shagram/shagram:aaaaaaa'\n");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy shagram: .env lacks REGISTRY_HOST, REGISTRY_USERNAME or REGISTRY_PASSWORD for the registry login');
});

test('a missing upload is refused in one line and nothing runs', () => {
  const o = opts();
  run(prepareScript(o));
  const r = run(deployScript(o), SHAGRAM_ENV('aaaaaaa'));
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(`deploy shagram: the uploaded archive ${o.incomingArchive} is missing`);
  expect(existsSync(join(o.stackDir, '.env'))).toBe(false);
  expect(existsSync(join(o.stackDir, '.env.next'))).toBe(false);
});

test('image step per policy: pull stacks pull (after login when asked), build stacks build and never pull, installer stacks neither', () => {
  // Compose v2 reference (docs.docker.com/reference/cli/docker/compose/pull/ and pkg/compose/pull.go): `pull` of a
  // service whose image is only built locally fails unless `--ignore-buildable`; `up` builds only a missing image
  // (`--build` forces it), so a built stack must run `compose build` on every deploy to pick up its changes.
  expect(imageCommands({ images: 'pull', registryLogin: true })).toEqual(['registry_login', 'compose pull']);
  expect(imageCommands({ images: 'pull', registryLogin: false })).toEqual(['compose pull']);
  expect(imageCommands({ images: 'build', registryLogin: false })).toEqual(['compose build']);
  expect(imageCommands({ images: 'installer', registryLogin: false })).toEqual([]);
  expect(deployScript(opts('jenkins'))).toContain('compose build ||');
  expect(deployScript(opts('jenkins'))).not.toContain('compose pull');
  expect(deployScript(opts('harbor'))).not.toMatch(/compose (pull|build)/);
  expect(deployScript(opts('edge'))).toContain('compose pull ||');
  expect(deployScript(opts('edge'))).not.toContain('docker login');
});

test('a failed health gate restores the previous image tag and fails the deploy', () => {
  const o = opts();
  run(prepareScript(o));
  upload(o);
  expect(run(deployScript(o), SHAGRAM_ENV('aaaaaaa')).code).toBe(0);
  writeFileSync(join(root, 'fail-up'), '');
  writeFileSync(log, '');
  // The rollback's own `up` also fails here (the fake fails every up): the script still restores .env and exits 1.
  const r = run(deployScript(o), SHAGRAM_ENV('bbbbbbb'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy shagram: services did not become healthy; restoring the previous .env (image tag)');
  expect(readFileSync(join(o.stackDir, '.env'), 'utf8')).toBe(SHAGRAM_ENV('aaaaaaa'));
  expect(logLines().filter((l) => l.startsWith('docker compose up'))).toEqual([
    'docker compose up -d --wait --wait-timeout 180 --remove-orphans',
    'docker compose up -d --wait --wait-timeout 180 --remove-orphans',
  ]);
});

test('rollback brings the previous tag up when it is healthy', () => {
  const o = opts('edge');
  run(prepareScript(o));
  upload(o);
  run(deployScript(o), "APP_IMAGE='old'\n");
  writeFileSync(log, '');
  // Fail only the first `up`: the fake removes the marker after failing once.
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\nif [ "$3" = "--help" ]; then echo "--wait-timeout"; exit 0; fi\necho "docker $*" >> "${log}"\nif [ "$1 $2" = "compose up" ]; then echo "env: $(grep APP_IMAGE .env)" >> "${log}"; if [ -e "${root}/fail-once" ]; then rm "${root}/fail-once"; exit 1; fi; fi\nexit 0\n`,
  );
  writeFileSync(join(root, 'fail-once'), '');
  const r = run(deployScript(o), "APP_IMAGE='new'\n");
  expect(r.code).toBe(1);
  expect(logLines().filter((l) => l.startsWith('env:'))).toEqual(["env: APP_IMAGE='new'", "env: APP_IMAGE='old'"]);
  expect(r.stderr).not.toContain('not healthy either');
});

test('an empty .env on stdin is refused before anything runs', () => {
  const o = opts();
  run(prepareScript(o));
  upload(o);
  const r = run(deployScript(o), '');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy shagram: empty .env on stdin');
  expect(logLines().filter((l) => !l.includes('compose version'))).toEqual([]);
});

test('harbor: runs the installer wrapper and does not pull', () => {
  const o = opts('harbor');
  run(prepareScript(o));
  // the wrapper arrives non-executable unless the archive keeps its mode
  upload(o, { install: [`#!/bin/sh\necho "install $(grep -c . .env)" >> "${log}"\n`, 0o755] });
  const r = run(deployScript(o), "HARBOR_ADMIN_PASSWORD='x'\n");
  expect(r.code).toBe(0);
  expect(logLines().filter((l) => !l.includes('compose version'))[0]).toBe('install 1');
  expect(logLines().some((l) => l.includes('pull'))).toBe(false);
});

test('harbor without wrapper or generated compose file fails with one line', () => {
  const o = opts('harbor');
  run(prepareScript(o));
  upload(o, { 'harbor.yml.template': ['x\n', 0o644] });
  const r = run(deployScript(o), "A='1'\n");
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')[0]).toBe('deploy harbor: no ./install wrapper and no docker-compose.yml');
});

test('falls back to docker-compose v1 (no --wait): up, then polls docker inspect until every container is healthy', () => {
  fakeDocker(false);
  const o = opts('jenkins');
  run(prepareScript(o));
  upload(o);
  // the controller is starting on the first look and healthy on the second; the agent has no health check;
  // a one-shot key generator has exited 0
  v1Containers({ controller: ['running 0 starting', 'running 0 healthy'], agent: ['running 0 '], keygen: ['exited 0 '] });
  const r = run(deployScript(o), "A='1'\n");
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('deploy jenkins: healthy');
  const lines = logLines();
  expect(lines.filter((l) => l.startsWith('docker-compose'))).toEqual([
    'docker-compose build',
    'docker-compose up -d --remove-orphans',
    'docker-compose ps -q',
    'docker-compose ps -q',
  ]);
  expect(lines.filter((l) => l.startsWith('docker inspect')).map((l) => l.split(' ').pop())).toEqual(['controller', 'agent', 'keygen', 'controller', 'agent', 'keygen']);
});

test('docker-compose v1: an unhealthy or failed container fails the gate at once, naming it, and rolls back', () => {
  fakeDocker(false);
  const o = opts('jenkins');
  run(prepareScript(o));
  upload(o);
  v1Containers({ controller: ['running 0 healthy'] });
  expect(run(deployScript(o), "TAG='old'\n").code).toBe(0);
  v1Containers({ controller: ['running 0 unhealthy', 'running 0 healthy'], keygen: ['exited 3 '] });
  const r = run(deployScript(o), "TAG='new'\n");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy jenkins: not healthy: controller (running, unhealthy) keygen (exited 3)');
  expect(r.stderr).toContain('restoring the previous .env');
  expect(readFileSync(join(o.stackDir, '.env'), 'utf8')).toBe("TAG='old'\n");
});

test('docker-compose v1: a container still starting when the bound passes fails the gate, naming it', () => {
  fakeDocker(false);
  const o = { ...opts('jenkins'), waitTimeoutSeconds: 1 };
  run(prepareScript(o));
  upload(o);
  v1Containers({ controller: ['running 0 starting'], agent: ['running 0 '] });
  const r = run(deployScript(o), "TAG='x'\n");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('deploy jenkins: still not healthy after 1 s: controller');
  v1Containers({});
  const none = run(deployScript(o), "TAG='x'\n");
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('deploy jenkins: no containers after up');
});

test('down keeps volumes and tolerates a stack that was never deployed', () => {
  const o = opts();
  expect(run(downScript(o)).stdout).toContain('nothing deployed');
  run(prepareScript(o));
  expect(run(downScript(o)).code).toBe(0);
  expect(logLines().filter((l) => !l.includes('compose version'))).toEqual(['docker compose down --remove-orphans']);
});

test('wait-ready: cloud-init exit 2 is accepted, exit 1 fails, docker must answer within the bound', () => {
  const cloudInit = (code: number) => {
    writeFileSync(join(bin, 'cloud-init'), `#!/bin/sh\n[ "$1" = status ] && exit ${code}\nexit 0\n`);
    chmodSync(join(bin, 'cloud-init'), 0o755);
  };
  cloudInit(2);
  expect(run(waitReadyScript({ dockerTimeoutSeconds: 4 })).stdout).toContain('host-ready: ok');
  cloudInit(1);
  const failed = run(waitReadyScript({ dockerTimeoutSeconds: 4 }));
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain('host-ready: cloud-init failed (exit 1)');
  cloudInit(0);
  writeFileSync(join(root, 'no-docker'), '');
  const noDocker = run(waitReadyScript({ dockerTimeoutSeconds: 2 }));
  expect(noDocker.code).toBe(1);
  expect(noDocker.stderr).toContain('host-ready: docker did not answer within 2 s');
});

test('wait-ready: cloud-init that has not run (or is disabled) is not waited for; a run that does not finish is bounded', () => {
  // `status` prints the state; `status --wait` never returns, as on a host where cloud-init is installed but unused
  const cloudInit = (state: string) => {
    writeFileSync(join(bin, 'cloud-init'), `#!/bin/sh\nif [ "$2" = --wait ]; then exec sleep 30; fi\necho "status: ${state}"\n`);
    chmodSync(join(bin, 'cloud-init'), 0o755);
  };
  for (const state of ['not run', 'disabled']) {
    cloudInit(state);
    const started = Date.now();
    const r = run(waitReadyScript({ dockerTimeoutSeconds: 4 }));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`host-ready: cloud-init ${state} here, not waiting for it`);
    expect(r.stdout).toContain('host-ready: ok');
    expect(Date.now() - started).toBeLessThan(20_000);
  }
  cloudInit('running');
  const stuck = run(waitReadyScript({ dockerTimeoutSeconds: 4, cloudInitTimeoutSeconds: 1 }));
  expect(stuck.code).toBe(1);
  expect(stuck.stderr).toContain('host-ready: cloud-init did not finish within 1 s');
});

test('certificate wait: any HTTP answer with a verified chain passes; an untrusted name is retried, then named at the bound', () => {
  // fake curl: fails (exit 60, as for an unverifiable chain) for names listed in $root/untrusted, logs its arguments
  writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho "curl $*" >> "${log}"\nfor a; do :; done\nh=\${a#https://}; h=\${h%/}\ngrep -qx "$h" "${root}/untrusted" 2>/dev/null && exit 60\nexit 0\n`);
  chmodSync(join(bin, 'curl'), 0o755);
  writeFileSync(join(root, 'untrusted'), 'reg.t\n');
  const failed = run(certificateWaitScript({ hosts: ['chat.t', 'reg.t'], timeoutSeconds: 1, intervalSeconds: 1 }));
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain('edge-certificate: no trusted certificate after 1 s for: reg.t;');
  expect(logLines()).toContain('curl -sS -o /dev/null --max-time 10 --resolve chat.t:443:127.0.0.1 https://chat.t/');
  writeFileSync(join(root, 'untrusted'), '');
  const ok = run(certificateWaitScript({ hosts: ['chat.t', 'reg.t'], timeoutSeconds: 5 }));
  expect({ code: ok.code, out: ok.stdout.trim() }).toEqual({ code: 0, out: 'edge-certificate: trusted for chat.t, reg.t' });
  expect(() => certificateWaitScript({ hosts: ['a b'], timeoutSeconds: 1 })).toThrow('is not a host name');
});
