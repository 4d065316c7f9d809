/**
 * Plans what a `pulumi up` would run on the host, given the resources the program registers now and the state the
 * previous `up` left. Pure: no I/O. The rules, each from its source:
 *
 * - Order (pulumi/pulumi pkg/resource/deploy: step_generator.go / step_executor.go): a resource's step runs after
 *   the steps of the resources it depends on (the dependencies the SDK sends, component dependencies already
 *   expanded to their children); steps are listed in registration order, which the SDK only reaches once every
 *   dependency is registered, checked here with a topological sort. Deletes (removed resources and the old halves
 *   of create-before-delete replacements) run last, dependents before their dependencies (`GenerateDeletes`).
 * - Diff of one resource (pulumi-go-provider v1.3.0 infer/resource.go `diff`): old inputs against new inputs,
 *   property by property (`ObjectDiff`, detailed paths such as `triggers[0]`). @pulumi/command's generated SDK adds
 *   `replaceOnChanges: ["triggers[*]"]` to every Command and CopyToRemote (sdk nodejs remote/command.js,
 *   copyToRemote.js), and the engine turns a change under such a path into a replacement (step_generator.go
 *   `applyReplaceOnChanges`: a changed path inside the pattern, or a pattern inside the changed path). Any other
 *   change is an update; no change is a no-op ("same"). A resource whose last operation failed is updated even
 *   without changes (its state carries init errors).
 * - Replacement: create the new one in place, delete the old one at the end; with `deleteBeforeReplace`, delete the
 *   old one first, in place.
 * - What each step runs (pulumi-command v1.2.1 provider/pkg/provider/remote):
 *   Command (commandController.go): create → `create` (nothing when unset); update → `update`, else `create`
 *   (nothing when neither); delete → `delete` of the OLD state (nothing when unset).
 *   CopyToRemote (copyController.go): create → copy; update → copy only when the source's hash or `remotePath`
 *   changed (`needCopy`); delete → nothing.
 *   Any other type is listed with its operation and left to the caller (e.g. the app image push).
 */

/** Resource types of @pulumi/command's remote provider. */
export const COMMAND_TYPE = 'command:remote:Command';
export const COPY_TYPE = 'command:remote:CopyToRemote';

/** The `replaceOnChanges` @pulumi/command's SDK sets on both remote resources. */
export const COMMAND_REPLACE_ON_CHANGES = ['triggers[*]'];

/** A file asset or archive as the engine sees it: path and content hash. */
export interface AssetRef {
  asset: 'file' | 'archive' | 'text';
  path?: string;
  text?: string;
  /** sha256 of the content (the engine's asset hash). */
  hash: string;
}

/** One registered resource, inputs plain (secrets unwrapped, assets as {@link AssetRef}). */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  dependencies: string[];
  deleteBeforeReplace?: boolean;
  /** Resource option `replaceOnChanges` (the SDK default for the command types is added by the planner). */
  replaceOnChanges?: string[];
}

/** One resource as a previous `up` left it. */
export interface StateResource extends PlannedResource {
  /** Command outputs of the last create/update. */
  outputs?: { stdout: string; stderr: string };
  /** The last operation on it failed (the engine updates it on the next `up`). */
  failed?: boolean;
}

/** What the provider does on the host for one step. */
export type HostAction =
  | { kind: 'command'; command: string; stdin?: string; environment?: Record<string, string>; addPreviousOutputInEnv?: boolean; connection: unknown; previous?: { stdout: string; stderr: string } }
  | { kind: 'copy'; source: AssetRef; remotePath: string; connection: unknown };

/** One step of the plan. */
export interface PlanStep {
  op: 'create' | 'update' | 'same' | 'replace' | 'delete' | 'delete-replaced';
  urn: string;
  name: string;
  type: string;
  /** The changed input paths (update/replace). */
  changed: string[];
  /** What runs on the host; `undefined` when the provider runs nothing (or the type is not a remote one). */
  action?: HostAction;
  /** The resource as registered now (absent for deletes). */
  resource?: PlannedResource;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Deep equality of plain JSON-like values (assets compare by hash and path). Pure. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/**
 * The changed property paths between old and new inputs, as the engine's detailed diff names them: `a.b`,
 * `list[2]`; a value present on one side only is reported at its own path. Assets are leaves. Pure.
 */
export function changedPaths(olds: unknown, news: unknown, prefix = ''): string[] {
  if (sameValue(olds, news)) return [];
  const leaf = (v: unknown): boolean => !(isObject(v) || Array.isArray(v)) || (isObject(v) && 'asset' in v && 'hash' in v);
  if (olds === undefined || news === undefined || leaf(olds) || leaf(news) || Array.isArray(olds) !== Array.isArray(news)) return [prefix];
  if (Array.isArray(olds) && Array.isArray(news)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(olds.length, news.length); i++) out.push(...changedPaths(olds[i], news[i], `${prefix}[${i}]`));
    return out;
  }
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(o), ...Object.keys(n)])].sort()) {
    out.push(...changedPaths(o[k], n[k], prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

/** Splits `a.b[2]` / `triggers[*]` into segments. Pure. */
function segments(path: string): string[] {
  return path.split(/\.|(?=\[)/).filter(Boolean);
}

/**
 * True when a changed path and a `replaceOnChanges` pattern overlap: one is a prefix of the other, `[*]`/`*`
 * matching any index or key (step_generator.go `applyReplaceOnChanges`, PropertyPath `Contains` both ways). Pure.
 */
export function matchesReplaceOnChanges(changed: string, pattern: string): boolean {
  const a = segments(changed);
  const b = segments(pattern);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (b[i] === '[*]' || b[i] === '*' || a[i] === '[*]') continue;
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/**
 * Orders resources so that each comes after its dependencies, keeping registration order otherwise. Throws on a
 * cycle. Dependencies on resources not in the list (e.g. outside the program) are ignored. Pure.
 */
export function dependencyOrder<T extends { urn: string; dependencies: string[] }>(resources: readonly T[]): T[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (r: T): void => {
    if (done.has(r.urn)) return;
    if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}`);
    visiting.add(r.urn);
    for (const d of r.dependencies) {
      const dep = byUrn.get(d);
      if (dep) visit(dep);
    }
    visiting.delete(r.urn);
    done.add(r.urn);
    out.push(r);
  };
  resources.forEach(visit);
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function commandAction(r: PlannedResource, command: string | undefined, previous?: { stdout: string; stderr: string }): HostAction | undefined {
  if (command === undefined) return undefined;
  const i = r.inputs;
  return {
    kind: 'command',
    command,
    stdin: str(i.stdin),
    environment: isObject(i.environment) ? (i.environment as Record<string, string>) : undefined,
    addPreviousOutputInEnv: typeof i.addPreviousOutputInEnv === 'boolean' ? i.addPreviousOutputInEnv : undefined,
    connection: i.connection,
    previous,
  };
}

function copyAction(r: PlannedResource): HostAction | undefined {
  const source = r.inputs.source as AssetRef | undefined;
  const remotePath = str(r.inputs.remotePath);
  if (!source || remotePath === undefined) return undefined;
  return { kind: 'copy', source, remotePath, connection: r.inputs.connection };
}

/** What a create runs (commandController.go `Create`, copyController.go `Create`). Pure. */
export function createAction(r: PlannedResource): HostAction | undefined {
  if (r.type === COMMAND_TYPE) return commandAction(r, str(r.inputs.create));
  if (r.type === COPY_TYPE) return copyAction(r);
  return undefined;
}

/** What an update runs (commandController.go `Update`: `update` else `create`; copyController.go `Update`: `needCopy`). Pure. */
export function updateAction(old: StateResource, r: PlannedResource): HostAction | undefined {
  if (r.type === COMMAND_TYPE) return commandAction(r, str(r.inputs.update) ?? str(r.inputs.create), old.outputs);
  if (r.type === COPY_TYPE) {
    const before = old.inputs.source as AssetRef | undefined;
    const after = r.inputs.source as AssetRef | undefined;
    const needCopy = before?.hash !== after?.hash || old.inputs.remotePath !== r.inputs.remotePath;
    return needCopy ? copyAction(r) : undefined;
  }
  return undefined;
}

/** What a delete runs: the OLD state's `delete` (commandController.go `Delete`); a copy deletes nothing. Pure. */
export function deleteAction(old: StateResource): HostAction | undefined {
  if (old.type !== COMMAND_TYPE) return undefined;
  return commandAction(old, str(old.inputs.delete), old.outputs);
}

/** The steps of one `pulumi up`: `next` is what the program registers now, `previous` the state before. Pure. */
export function planReplay(next: readonly PlannedResource[], previous: readonly StateResource[] = []): PlanStep[] {
  const olds = new Map(previous.map((r) => [r.urn, r]));
  const steps: PlanStep[] = [];
  const deferredDeletes: StateResource[] = [];
  for (const r of dependencyOrder(next)) {
    const old = olds.get(r.urn);
    const base = { urn: r.urn, name: r.name, type: r.type, resource: r };
    if (!old) {
      steps.push({ ...base, op: 'create', changed: [], action: createAction(r) });
      continue;
    }
    const changed = changedPaths(old.inputs, r.inputs);
    const patterns = [...(r.replaceOnChanges ?? []), ...(r.type === COMMAND_TYPE || r.type === COPY_TYPE ? COMMAND_REPLACE_ON_CHANGES : [])];
    const replace = changed.some((c) => patterns.some((p) => matchesReplaceOnChanges(c, p)));
    if (replace) {
      if (r.deleteBeforeReplace) {
        steps.push({ urn: old.urn, name: old.name, type: old.type, op: 'delete-replaced', changed, action: deleteAction(old) });
      } else {
        deferredDeletes.push(old);
      }
      steps.push({ ...base, op: 'replace', changed, action: createAction(r) });
    } else if (changed.length > 0 || old.failed) {
      steps.push({ ...base, op: 'update', changed, action: updateAction(old, r) });
    } else {
      steps.push({ ...base, op: 'same', changed: [] });
    }
  }
  const nextUrns = new Set(next.map((r) => r.urn));
  const removed = previous.filter((r) => !nextUrns.has(r.urn));
  // Deletes: dependents before their dependencies (the reverse of the old state's dependency order).
  const deleteOrder = dependencyOrder([...previous]).reverse();
  for (const old of deleteOrder) {
    if (deferredDeletes.includes(old)) steps.push({ urn: old.urn, name: old.name, type: old.type, op: 'delete-replaced', changed: [], action: deleteAction(old) });
    else if (removed.includes(old)) steps.push({ urn: old.urn, name: old.name, type: old.type, op: 'delete', changed: [], action: deleteAction(old) });
  }
  return steps;
}
