/** The policy checks as pure functions over resource properties (the pack in policies.ts only wires them). */

/** Minimum boot disk size in GB. */
export const MIN_BOOT_DISK_GB = 20;

const WORLD = new Set(['0.0.0.0/0', '::/0']);
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_NAME = /pass(word)?|secret|token|private.?key|credential|api.?key/i;

interface RuleLike {
  protocol?: string;
  port?: number;
  fromPort?: number;
  toPort?: number;
  v4CidrBlocks?: string[];
  v6CidrBlocks?: string[];
}

/** True when an ingress rule admits TCP port 22. */
function coversSsh(r: RuleLike): boolean {
  const proto = (r.protocol ?? 'ANY').toUpperCase();
  if (proto !== 'TCP' && proto !== 'ANY') return false;
  if (r.port !== undefined && r.port !== -1) return r.port === 22;
  const from = r.fromPort ?? 0;
  const to = r.toPort ?? 65535;
  return from <= 22 && 22 <= to;
}

/** Messages for ingress rules that open SSH (22) to the whole internet. Pure. */
export function sshOpenToWorld(ingresses: readonly RuleLike[] | undefined): string[] {
  return (ingresses ?? [])
    .filter((r) => coversSsh(r) && [...(r.v4CidrBlocks ?? []), ...(r.v6CidrBlocks ?? [])].some((c) => WORLD.has(c)))
    .map((r) => `SSH (port 22) is open to the whole internet (${JSON.stringify(r)}); allow only the admin CIDRs`);
}

/** Message when a compute instance's boot disk is unset or smaller than 20 GB. Pure. */
export function bootDiskTooSmall(props: { bootDisk?: { initializeParams?: { size?: number } } }): string[] {
  const size = props.bootDisk?.initializeParams?.size;
  if (size === undefined) return [`the boot disk size is not set; set at least ${MIN_BOOT_DISK_GB} GB`];
  return size < MIN_BOOT_DISK_GB ? [`the boot disk is ${size} GB; it must be at least ${MIN_BOOT_DISK_GB} GB`] : [];
}

function isEnvelope(v: unknown): boolean {
  return !!v && typeof v === 'object' && SECRET_SIG in (v as object);
}

/**
 * Messages for stack outputs that expose a secret in plain text: an output whose name says secret (password,
 * token, private key, ...) and is not a Pulumi secret, or any plain value that holds a private key. Pure.
 */
export function plaintextSecretOutputs(outputs: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (path: string, value: unknown, named: boolean): void => {
    if (isEnvelope(value)) return;
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${path}.${k}`, v, named || SECRET_NAME.test(k));
      return;
    }
    if (value === undefined || value === null || value === '') return;
    if (named) found.push(`output ${path} looks like a secret and is not marked secret`);
    else if (typeof value === 'string' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) found.push(`output ${path} holds a private key in plain text`);
  };
  for (const [k, v] of Object.entries(outputs)) walk(k, v, SECRET_NAME.test(k));
  return found;
}
