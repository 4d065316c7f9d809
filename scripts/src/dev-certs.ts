import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runScript } from '../lib/cli';
import { executeOrThrow } from '../lib/command';
import { DEV_CERTS_HELP, parseDevCertArgs, planDevCerts } from './dev-certs-plan';

/** Runs the plan of dev-certs-plan.ts: openssl commands and file writes, private keys mode 0600. */
async function main(): Promise<void> {
  const options = parseDevCertArgs(process.argv.slice(2), process.env);
  if (options === 'help') {
    console.log(DEV_CERTS_HELP);
    return;
  }
  fs.mkdirSync(options.outDir, { recursive: true, mode: 0o755 });
  const caExists = ['ca.pem', 'ca-key.pem'].every((name) => fs.existsSync(path.join(options.outDir, name)));
  const serial = '1' + crypto.randomBytes(15).toString('hex');
  for (const step of planDevCerts(options, caExists, serial)) {
    if (step.kind === 'openssl') await executeOrThrow(step.command);
    else if (step.kind === 'write') fs.writeFileSync(step.file, step.content, { mode: step.mode });
    else fs.rmSync(step.file, { force: true });
  }
  for (const key of ['ca-key.pem', 'privkey.pem']) fs.chmodSync(path.join(options.outDir, key), 0o600);
  console.log(`dev-certs: wrote ${options.outDir}/fullchain.pem and privkey.pem for ${options.hosts.join(', ')} (CA: ${options.outDir}/ca.pem)`);
}

runScript('dev-certs', main);
