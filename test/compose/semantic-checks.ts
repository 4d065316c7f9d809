/** Options for {@link semanticProblems}. */
export interface SemanticOptions {
  /** Services that must never publish a port on the host (e.g. the app behind the edge). */
  unpublished?: readonly string[];
  /** Services exempt from the healthcheck rule (e.g. one-shot jobs). */
  noHealthcheck?: readonly string[];
  /** Container paths that may be writable host bind mounts (e.g. a docker socket for a CI agent). */
  writableBindTargets?: readonly string[];
}

type Doc = Record<string, unknown>;

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/i;
const RESTARTS = ['always', 'unless-stopped', 'on-failure'];

function asRecord(value: unknown): Doc {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Doc) : {};
}

/** Environment of a service as [name, raw value] pairs (list or map form). Pure. */
export function environmentEntries(environment: unknown): Array<[string, string | undefined]> {
  if (Array.isArray(environment)) {
    return environment.map((item) => {
      const text = String(item);
      const eq = text.indexOf('=');
      return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
    });
  }
  return Object.entries(asRecord(environment)).map(([key, value]) => [key, value === null || value === undefined ? undefined : String(value)]);
}

/** A short-syntax or long-syntax volume entry, normalised. Pure. */
export function parseMount(entry: unknown): { source?: string; target: string; readOnly: boolean; type: string } {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    if (parts.length === 1) return { target: parts[0] as string, readOnly: false, type: 'volume' };
    const [source, target, mode = ''] = parts as [string, string, string?];
    const type = /^[./~]/.test(source) ? 'bind' : 'volume';
    return { source, target, readOnly: mode.split(',').includes('ro'), type };
  }
  const long = asRecord(entry);
  return {
    source: long.source as string | undefined,
    target: String(long.target ?? ''),
    readOnly: long.read_only === true,
    type: String(long.type ?? 'volume'),
  };
}

/** True when the value is only variable references (no literal text that could be a secret). */
function onlyReferences(raw: string): boolean {
  return raw.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '').trim() === '';
}

/**
 * Semantic checks a schema cannot express. `raw` is the parsed file before interpolation (for the secret
 * rule: secret-looking settings must come from variables), `doc` the same file after interpolation.
 * Returns one readable line per problem. Pure.
 */
export function semanticProblems(raw: Doc, doc: Doc, options: SemanticOptions = {}): string[] {
  const problems: string[] = [];
  const services = asRecord(doc.services);
  const rawServices = asRecord(raw.services);
  const declaredVolumes = Object.keys(asRecord(doc.volumes));
  const declaredNetworks = ['default', ...Object.keys(asRecord(doc.networks))];
  const usedVolumes = new Set<string>();
  if (Object.keys(services).length === 0) problems.push('no services defined');

  for (const [name, value] of Object.entries(services)) {
    const service = asRecord(value);
    const rawService = asRecord(rawServices[name]);
    const where = `services.${name}`;

    const healthcheck = asRecord(service.healthcheck);
    const test = healthcheck.test;
    const disabled = healthcheck.disable === true || (Array.isArray(test) && test[0] === 'NONE');
    if (!options.noHealthcheck?.includes(name) && (test === undefined || disabled)) {
      problems.push(`${where}: no healthcheck`);
    }

    const restart = service.restart ?? asRecord(asRecord(service.deploy).restart_policy).condition;
    if (typeof restart !== 'string' || !RESTARTS.some((policy) => restart.startsWith(policy) || restart === 'any')) {
      problems.push(`${where}: no restart policy (restart: unless-stopped, always or on-failure)`);
    }

    if (options.unpublished?.includes(name) && Array.isArray(service.ports) && service.ports.length > 0) {
      problems.push(`${where}: publishes ports ${JSON.stringify(service.ports)} but must only be reachable inside the stack`);
    }

    for (const [key, rawValue] of environmentEntries(rawService.environment)) {
      if (SECRET_NAME.test(key) && rawValue !== undefined && rawValue !== '' && !onlyReferences(rawValue)) {
        problems.push(`${where}.environment.${key}: literal secret value; take it from .env (\${${key}})`);
      }
    }
    const rawArgs = asRecord(asRecord(rawService.build).args);
    for (const [key, rawValue] of environmentEntries(rawArgs)) {
      if (SECRET_NAME.test(key) && rawValue && !onlyReferences(rawValue)) {
        problems.push(`${where}.build.args.${key}: secrets must not be build arguments (they end up in the image)`);
      }
    }

    for (const [condition, target] of Object.entries(asRecord(service.depends_on)).map(([dep, spec]) => [asRecord(spec).condition, dep])) {
      if (condition === 'service_healthy' && asRecord(services[target as string]).healthcheck === undefined) {
        problems.push(`${where}.depends_on.${target}: waits for service_healthy but ${target} has no healthcheck`);
      }
    }

    const networks = Array.isArray(service.networks) ? service.networks.map(String) : Object.keys(asRecord(service.networks));
    for (const network of networks.filter((name) => !declaredNetworks.includes(name))) {
      problems.push(`${where}: network "${network}" is not declared under networks:`);
    }

    for (const entry of Array.isArray(service.volumes) ? service.volumes : []) {
      const mount = parseMount(entry);
      if (mount.type === 'volume' && mount.source) {
        usedVolumes.add(mount.source);
        if (!declaredVolumes.includes(mount.source)) problems.push(`${where}: volume "${mount.source}" is not declared under volumes:`);
      }
      if (mount.type === 'bind' && !mount.readOnly && !options.writableBindTargets?.includes(mount.target)) {
        problems.push(`${where}: writable bind mount ${mount.source}:${mount.target}; keep state in a named volume`);
      }
      if (mount.type === 'volume' && !mount.source) {
        problems.push(`${where}: anonymous volume at ${mount.target}; name it so the data survives recreation`);
      }
    }
  }
  return problems;
}
