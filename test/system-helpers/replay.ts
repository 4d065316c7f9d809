/**
 * Deploy replay: turns what the Pulumi program registered under mocks (infra-code/test/harness.ts) into
 * {@link PlannedResource}s, and executes a plan (./replay-plan.ts) against a host as @pulumi/command 1.2.1 would,
 * through ./remote-command.ts. Steps run one at a time in plan order; the first failure stops the run (the engine
 * starts no new step after an error) and the error names the resource, as `pulumi up` does.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { copyToRemote, runCommand, type CopySource, type SshTarget } from './remote-command';
import { planReplay, COMMAND_TYPE, COPY_TYPE, type AssetRef, type PlanStep, type PlannedResource, type StateResource } from './replay-plan';

/** What the harness records per resource (the fields used here). */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** Inputs as the mock monitor received them (secret envelopes and asset objects included). */
  raw: Record<string, unknown>;
  dependencies: string[];
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Plain inputs with assets replaced by {@link AssetRef} (path resolved, content hashed now: the bundle files are
 * rewritten by the next program run, as on a laptop between two `pulumi up`s).
 */
async function normalise(v: unknown): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map(normalise));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // @pulumi/pulumi runtime/rpc.ts: specialSigKey → specialSecretSig marks a secret `{…, value}`
    if (o['4dabf18193072939515e22adb298388d'] === '1b47061264138c4ac30d75fd1eb44270') return normalise(o.value);
    if (o.__pulumiAsset || o.__pulumiArchive) {
      const kind = o.__pulumiAsset ? 'asset' : 'archive';
      const path = o.path === undefined ? undefined : String(await o.path);
      const text = o.text === undefined ? undefined : String(await o.text);
      if (text !== undefined) return { asset: 'text', text, hash: sha256(text) } satisfies AssetRef;
      if (path === undefined) throw new Error('replay: only path and text assets are supported (as CopyToRemote Check requires)');
      const hash = fs.statSync(path).isDirectory() ? sha256(path) : sha256(fs.readFileSync(path));
      return { asset: kind === 'asset' ? 'file' : 'archive', path, hash } satisfies AssetRef;
    }
    if (o instanceof Promise) return normalise(await o);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = await normalise(x);
    return out;
  }
  return v;
}

/** The registered resources as the planner takes them (component resources dropped: they run nothing). */
export async function snapshotRun(resources: readonly RecordedResource[]): Promise<PlannedResource[]> {
  const out: PlannedResource[] = [];
  for (const r of resources) {
    if (r.type.startsWith('shagram:')) continue;
    out.push({ urn: r.urn, type: r.type, name: r.name, inputs: (await normalise(r.raw)) as Record<string, unknown>, dependencies: [...r.dependencies] });
  }
  return out;
}

/** The `connection` input of a remote resource. */
export interface ConnectionInput {
  host?: string;
  port?: number;
  user?: string;
  privateKey?: string;
}

/** How the executor reaches hosts and runs the resources that are not remote commands. */
export interface ReplayOptions {
  /** The SSH target for a resource's `connection` (e.g. the loopback VPS for the mocked VM's address). */
  target(connection: ConnectionInput): SshTarget;
  /**
   * Runs a step of another resource type (e.g. `docker:index/image:Image`); default: nothing. Answers false when
   * the step runs nothing (e.g. a cloud resource under mocks): it is then not listed as executed.
   */
  other?(step: PlanStep): Promise<boolean | void>;
  /** Called before each step runs (progress). */
  onStep?(step: PlanStep): void;
  /** Stops the `up` before the first step for which this answers true (a partial replay). */
  stopBefore?(step: PlanStep): boolean;
}

/** One executed step. */
export interface ExecutedStep {
  step: PlanStep;
  stdout?: string;
  stderr?: string;
}

/** What an `up` did. */
export interface ReplayResult {
  steps: PlanStep[];
  /** Steps that ran something on the host (or in `other`), in order. */
  executed: ExecutedStep[];
  /** The state the next `up` starts from. */
  state: StateResource[];
  /** `pulumi up`-like error (`<type> <name>: <provider error>`), when a step failed. */
  error?: string;
}

function copySource(a: AssetRef): CopySource {
  if (a.asset === 'text') return { kind: 'text', text: a.text ?? '' };
  return { kind: a.asset === 'file' ? 'asset' : 'archive', path: a.path ?? '' };
}

/** Plans and executes one `pulumi up` of `next` over `previous` state. */
export async function replayUp(next: readonly PlannedResource[], previous: readonly StateResource[], options: ReplayOptions): Promise<ReplayResult> {
  const steps = planReplay(next, previous);
  const state = new Map(previous.map((r) => [r.urn, { ...r }]));
  const executed: ExecutedStep[] = [];
  for (const step of steps) {
    if (options.stopBefore?.(step)) break;
    options.onStep?.(step);
    let outputs: { stdout: string; stderr: string } | undefined;
    try {
      const a = step.action;
      if (a?.kind === 'command') {
        const r = await runCommand(options.target(a.connection as ConnectionInput), a.command, {
          stdin: a.stdin,
          environment: a.environment,
          addPreviousOutputInEnv: a.addPreviousOutputInEnv,
          previous: a.previous,
        });
        outputs = { stdout: r.stdout, stderr: r.stderr };
        executed.push({ step, ...outputs });
      } else if (a?.kind === 'copy') {
        await copyToRemote(options.target(a.connection as ConnectionInput), copySource(a.source), a.remotePath);
        executed.push({ step });
      } else if (!a && step.type !== COMMAND_TYPE && step.type !== COPY_TYPE && step.op !== 'same' && options.other) {
        if ((await options.other(step)) !== false) executed.push({ step });
      }
    } catch (e) {
      // A failed create/update stays in the state as failed (the engine updates it next time); a failed copy create
      // has no id and is not recorded (copyController.go Create returns ID "").
      if (step.resource && (step.op !== 'create' || step.type !== COPY_TYPE)) state.set(step.urn, { ...step.resource, failed: true });
      return { steps, executed, state: [...state.values()], error: `${step.type} ${step.name}: ${(e as Error).message}` };
    }
    if (step.op === 'delete' || step.op === 'delete-replaced') {
      if (step.op === 'delete') state.delete(step.urn);
    } else if (step.resource) {
      const kept = state.get(step.urn)?.outputs;
      state.set(step.urn, { ...step.resource, outputs: step.op === 'same' ? kept : (outputs ?? (step.action ? kept : undefined)) });
    }
  }
  return { steps, executed, state: [...state.values()] };
}
