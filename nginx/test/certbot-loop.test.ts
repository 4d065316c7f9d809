/**
 * nginx/certbot/certbot-loop.sh's schedule, run for real by sh with a fake `certbot` (fails a given number of times,
 * then writes a certificate) and a `sleep` that records how long it was asked to wait (and ends the loop after a few
 * waits). The real issuance against an ACME CA is nginx/test/acme.system.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOOP = join(__dirname, '..', 'certbot', 'certbot-loop.sh');

/** Runs the loop until `rounds` sleeps happened; certbot fails `failures` times before it succeeds. */
function runLoop(failures: number, rounds: number, env: Record<string, string> = {}, failFrom = Infinity): { sleeps: string[]; stderr: string; hooks: number } {
  const dir = mkdtempSync(join(tmpdir(), 'shagram-certbot-loop-'));
  const bin = join(dir, 'bin');
  const config = join(dir, 'letsencrypt');
  mkdirSync(bin);
  writeFileSync(join(dir, 'tries'), '0');
  writeFileSync(
    join(bin, 'certbot'),
    `#!/bin/sh\nn=$(($(cat "${dir}/tries") + 1)); echo $n > "${dir}/tries"\n` +
      `if [ $n -le ${failures} ] || [ $n -ge ${Number.isFinite(failFrom) ? failFrom : 999999} ]; then echo "Challenge failed for domain chat.t" >&2; exit 1; fi\n` +
      `mkdir -p "${config}/live/shagram"; echo cert > "${config}/live/shagram/fullchain.pem"; echo key > "${config}/live/shagram/privkey.pem"\n`,
  );
  // `sleep` records its argument; after `rounds` calls it kills the loop (its parent) so the test ends.
  writeFileSync(join(bin, 'sleep'), `#!/bin/sh\necho "$1" >> "${dir}/sleeps"\nif [ "$(wc -l < "${dir}/sleeps")" -ge ${rounds} ]; then kill -TERM $PPID; fi\n`);
  chmodSync(join(bin, 'certbot'), 0o755);
  chmodSync(join(bin, 'sleep'), 0o755);
  const out = join(dir, 'tls');
  mkdirSync(out);
  const r = spawnSync('/bin/sh', [LOOP], {
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      CHAT_HOST: 'chat.t', JENKINS_HOST: 'ci.t', REGISTRY_HOST: 'reg.t', LETSENCRYPT_EMAIL: 'ops@t.test',
      CERTBOT_WEBROOT: join(dir, 'www'), CERTBOT_CONFIG_DIR: config, CERTBOT_WORK_DIR: join(dir, 'work'), CERTBOT_LOGS_DIR: join(dir, 'logs'),
      TLS_OUT_DIR: out,
      ...env,
    },
  });
  const sleeps = readFileSync(join(dir, 'sleeps'), 'utf8').trim().split('\n');
  // deploy-hook.sh copied the certificate to TLS_OUT_DIR
  const hooks = existsSync(join(out, 'fullchain.pem')) && readFileSync(join(out, 'fullchain.pem'), 'utf8') === 'cert\n' ? 1 : 0;
  return { sleeps, stderr: r.stderr, hooks };
}

test('without a certificate yet it retries every CERTBOT_RETRY_INTERVAL (default 60s); once issued, every 12h', () => {
  const r = runLoop(2, 4);
  expect(r.sleeps).toEqual(['60s', '60s', '12h', '12h']);
  expect(r.stderr).toContain('certbot-loop: certbot failed (exit 1); retrying in 60s');
  expect(r.hooks).toBe(1);
});

test('both waits are configurable', () => {
  expect(runLoop(1, 3, { CERTBOT_RETRY_INTERVAL: '15s', CERTBOT_RENEW_INTERVAL: '6h' }).sleeps).toEqual(['15s', '6h', '6h']);
});

test('a failed renewal with a certificate in place waits the renewal interval, not the retry one', () => {
  // issued on the first try, every later try fails
  const r = runLoop(0, 3, {}, 2);
  expect(r.sleeps).toEqual(['12h', '12h', '12h']);
  expect(r.stderr).toContain('certbot-loop: certbot failed (exit 1); retrying in 12h');
  expect(r.stderr).not.toContain('retrying in 60s');
});
