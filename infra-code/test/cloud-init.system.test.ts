/**
 * System lane: the VPS's first-boot document checked by cloud-init itself. Debian's cloud-init (22.4, installed by
 * scripts/setup.d/26-cloud-init.sh) validates it against its JSON schema — types and the keys inside each module's
 * settings — and, since the validator lets unknown top-level keys through, every top-level key is also looked up in
 * the schema file it ships. Ubuntu 24.04's cloud-init is newer; the keys used here are in both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { run } from '../../test/system-helpers/exec';
import { cloudInitDocument } from '../plan/cloud-init';

const SCHEMA = '/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json';

let dir: string;
const document = cloudInitDocument({
  deployUser: 'deploy',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly deploy@shagram',
  baseDir: '/opt/shagram',
});

/** `cloud-init schema` on a document. */
async function validate(text: string): Promise<{ code: number; output: string }> {
  const file = path.join(dir, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  const result = await run('cloud-init', ['schema', '--config-file', file], { allowFailure: true });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-cloud-init-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the generated #cloud-config is valid for cloud-init', async () => {
  const result = await validate(document);
  expect(result).toEqual({ code: 0, output: expect.stringContaining('Valid cloud-config') });
});

test('every top-level key of the document is a key cloud-init knows', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as {
    allOf: Array<{ $ref: string }>;
    $defs: Record<string, { properties?: Record<string, unknown> }>;
  };
  const known = new Set(schema.allOf.flatMap((ref) => Object.keys(schema.$defs[ref.$ref.split('/').pop()!]?.properties ?? {})));
  expect(known.size).toBeGreaterThan(50);
  const keys = Object.keys(parse(document) as Record<string, unknown>);
  expect(keys.filter((key) => !known.has(key))).toEqual([]);
  expect(known.has('package_updat')).toBe(false);
});

test('the validator is really looking: a misspelt setting or a wrong type is refused, naming it', async () => {
  const misspeltText = document.replace('permissions:', 'permission:');
  expect(misspeltText).not.toBe(document);
  const misspelt = await validate(misspeltText);
  expect(misspelt.code).not.toBe(0);
  expect(misspelt.output).toContain("'permission' was unexpected");
  const wrongTypeText = document.replace('lock_passwd: true', 'lock_passwd: maybe');
  expect(wrongTypeText).not.toBe(document);
  const wrongType = await validate(wrongTypeText);
  expect(wrongType.code).not.toBe(0);
  expect(wrongType.output).toContain('users.0');
});
