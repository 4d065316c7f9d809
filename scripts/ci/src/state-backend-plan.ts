/**
 * What `pulumi up` needs of its S3 state backend, as data: the bucket and client settings a backend URL names, and
 * the object keys Pulumi's self-managed ("diy") backend reads and writes for one stack. The check built on it
 * (state-check.ts) fails a CI deploy at once, naming what is missing, instead of half-way through an `up`.
 *
 * Layout, from Pulumi's diy backend (pkg/backend/diy: meta.go, store.go, lock.go):
 * - `.pulumi/meta.yaml`: `version: 1` for project-scoped stacks (every new bucket); absent until the first stack.
 * - `.pulumi/stacks/<project>/<stack>.json` (or `.json.gz`, `.json.zst`): the stack's checkpoint.
 * - `.pulumi/locks/organization/<project>/<stack>/<lock id>.json`: one object per running update, JSON
 *   `{"pid","username","hostname","timestamp"}`; an update refuses to start while another process's lock exists
 *   ("the stack is currently locked by N lock(s)… `pulumi cancel`") and deletes its own at the end.
 * URL parameters, from gocloud.dev's s3blob as Pulumi passes them (backend.go `translateLegacyS3Params`): `region`,
 * `endpoint` (a scheme-less endpoint means https unless `disableSSL=true`), `s3ForcePathStyle` / `use_path_style`;
 * with an endpoint (a store other than AWS) request checksums are sent only when required.
 */
import { ScriptError } from '../../lib/cli';

/** How to reach the bucket. */
export interface S3BackendTarget {
  bucket: string;
  /** Folder inside the bucket (the URL's path), '' for the root. */
  prefix: string;
  region: string;
  /** Full URL with scheme; undefined for AWS itself. */
  endpoint?: string;
  forcePathStyle: boolean;
}

const truthy = (value: string | null): boolean => value !== null && /^(1|true)$/i.test(value);

/** Parses a Pulumi backend URL; refuses anything but `s3://` with a reason CI can act on. Pure. */
export function parseS3BackendUrl(url: string): S3BackendTarget {
  if (!url) throw new ScriptError('PULUMI_BACKEND_URL is not set: CI keeps the state in an S3 bucket (docs/bootstrap.md, step 2)');
  if (url.startsWith('file://')) throw new ScriptError(`PULUMI_BACKEND_URL is ${url}: a folder on one machine; CI needs the shared S3 bucket (docs/bootstrap.md, step 2)`);
  if (!url.startsWith('s3://')) throw new ScriptError(`PULUMI_BACKEND_URL "${url}" is not an s3:// URL`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ScriptError(`PULUMI_BACKEND_URL "${url}" is not a valid URL`);
  }
  const bucket = parsed.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ScriptError(`PULUMI_BACKEND_URL: "${bucket}" is not a bucket name`);
  const q = parsed.searchParams;
  const rawEndpoint = q.get('endpoint') ?? undefined;
  const insecure = truthy(q.get('disableSSL')) || truthy(q.get('disable_https'));
  const endpoint = rawEndpoint === undefined ? undefined : /^https?:\/\//.test(rawEndpoint) ? rawEndpoint : `${insecure ? 'http' : 'https'}://${rawEndpoint}`;
  return {
    bucket,
    prefix: parsed.pathname.replace(/^\/+|\/+$/g, ''),
    region: q.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint,
    forcePathStyle: truthy(q.get('s3ForcePathStyle')) || truthy(q.get('use_path_style')),
  };
}

/** The object keys of one stack in the backend. Pure. */
export function stateKeys(target: Pick<S3BackendTarget, 'prefix'>, project: string, stack: string) {
  const at = (key: string) => (target.prefix ? `${target.prefix}/${key}` : key);
  return {
    meta: at('.pulumi/meta.yaml'),
    checkpoints: ['.json', '.json.gz', '.json.zst'].map((ext) => at(`.pulumi/stacks/${project}/${stack}${ext}`)),
    lockDir: at(`.pulumi/locks/organization/${project}/${stack}/`),
    /** Where the check writes and deletes its probe (outside the lock folder: a probe there would lock the stack). */
    probe: (id: string) => at(`.pulumi/.shagram-state-check-${id}`),
  };
}

/** A lock object's content as Pulumi writes it. */
export interface LockContent {
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
}

/** Pulumi's own refusal text for a locked stack, with the lock objects found. Pure. */
export function formatLocks(bucket: string, locks: readonly { key: string; content?: Partial<LockContent> }[]): string {
  const lines = locks.map(({ key, content: c }) =>
    c ? `  s3://${bucket}/${key}: created by ${c.username}@${c.hostname} (pid ${c.pid}) at ${c.timestamp}` : `  s3://${bucket}/${key}: (unreadable lock content)`,
  );
  return [
    `the stack is currently locked by ${locks.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.`,
    ...lines,
  ].join('\n');
}

/** What the check found; `problems` empty means `pulumi up` can start. */
export interface StateCheckFacts {
  bucketReachable: boolean;
  /** Error text of the bucket probe when not reachable. */
  bucketError?: string;
  metaVersion?: number;
  checkpointKey?: string;
  locks: { key: string; content?: Partial<LockContent> }[];
  writable: boolean;
  writeError?: string;
}

/**
 * The verdict over the facts: one line per problem, each naming the step that fixes it. `requireState`: a CI deploy
 * refuses a stack without a checkpoint (the first `up` is the operator's, from the runbook). Pure.
 */
export function judgeState(target: S3BackendTarget, stack: string, facts: StateCheckFacts, requireState: boolean): string[] {
  if (!facts.bucketReachable) return [`cannot reach bucket ${target.bucket}${target.endpoint ? ` at ${target.endpoint}` : ''}: ${facts.bucketError ?? 'unknown error'} (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket name; docs/bootstrap.md, "State backend")`];
  const problems: string[] = [];
  if (facts.metaVersion !== undefined && facts.metaVersion !== 1) problems.push(`.pulumi/meta.yaml says version ${facts.metaVersion}; this project uses project-scoped stacks (version 1): run \`pulumi state upgrade\``);
  if (requireState && !facts.checkpointKey) problems.push(`no state for stack ${stack} in s3://${target.bucket}: the first \`pulumi up\` runs from an operator's machine (docs/bootstrap.md, step 5)`);
  if (facts.locks.length > 0) problems.push(formatLocks(target.bucket, facts.locks));
  if (!facts.writable) problems.push(`cannot write to s3://${target.bucket}: ${facts.writeError ?? 'unknown error'} (the key needs write access: storage.editor)`);
  return problems;
}
