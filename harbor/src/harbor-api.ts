import { HarborInstallError } from './render';

/** One robot permission entry of Harbor API v2.0. */
export interface RobotAccess {
  resource: string;
  action: string;
}

/** What the CI robot may do in its project: push and pull images, read artifacts and tags. */
export const CI_ROBOT_ACCESS: readonly RobotAccess[] = [
  { resource: 'repository', action: 'pull' },
  { resource: 'repository', action: 'push' },
  { resource: 'artifact', action: 'read' },
  { resource: 'tag', action: 'list' },
  { resource: 'tag', action: 'create' },
];

/** The body of POST /api/v2.0/robots for a project-level robot that never expires. Pure. */
export function robotCreateBody(project: string, name: string, secret: string): Record<string, unknown> {
  return {
    name,
    description: `CI robot of project ${project} (created by harbor/install)`,
    level: 'project',
    duration: -1,
    disable: false,
    secret,
    permissions: [{ kind: 'project', namespace: project, access: CI_ROBOT_ACCESS }],
  };
}

/** Harbor's full name of a project robot: `robot$<project>+<name>` (default robot name prefix). Pure. */
export function robotFullName(project: string, name: string): string {
  return `robot$${project}+${name}`;
}

/** Robot secrets Harbor accepts: 8-128 characters with at least one upper case, lower case letter and digit. Pure. */
export function validRobotSecret(secret: string): boolean {
  return secret.length >= 8 && secret.length <= 128 && /[A-Z]/.test(secret) && /[a-z]/.test(secret) && /\d/.test(secret);
}

/** What {@link HarborClient.ensureProject} / {@link HarborClient.ensureRobot} did. */
export type Outcome = 'created' | 'exists' | 'updated';

/** A small client of Harbor's API v2.0 (basic auth as admin) for the calls the installer needs. */
export class HarborClient {
  private readonly auth: string;

  constructor(
    private readonly baseUrl: string,
    user: string,
    password: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  private async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/api/v2.0${path}`, {
        method,
        headers: { authorization: this.auth, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new HarborInstallError(`${method} /api/v2.0${path}: ${(error as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  private fail(what: string, status: number, json: unknown): never {
    const errors = (json as { errors?: Array<{ message?: string }> } | undefined)?.errors;
    throw new HarborInstallError(`${what} answered ${status}${errors?.[0]?.message ? `: ${errors[0].message}` : ''}`);
  }

  /** True once GET /health reports every component healthy. */
  async healthy(): Promise<boolean> {
    try {
      const { status, json } = await this.call('GET', '/health');
      return status === 200 && (json as { status?: string })?.status === 'healthy';
    } catch {
      return false;
    }
  }

  /** The project's id, or undefined when it does not exist. */
  async projectId(name: string): Promise<number | undefined> {
    const { status, json } = await this.call('GET', `/projects/${encodeURIComponent(name)}`, undefined, { 'X-Is-Resource-Name': 'true' });
    if (status === 404 || status === 403) return undefined;
    if (status !== 200) this.fail(`GET /projects/${name}`, status, json);
    return (json as { project_id: number }).project_id;
  }

  /** Creates the private project unless it exists. */
  async ensureProject(name: string): Promise<{ outcome: Outcome; id: number }> {
    const existing = await this.projectId(name);
    if (existing !== undefined) return { outcome: 'exists', id: existing };
    const { status, json } = await this.call('POST', '/projects', { project_name: name, metadata: { public: 'false' } });
    if (status !== 201) this.fail('POST /projects', status, json);
    const id = await this.projectId(name);
    if (id === undefined) throw new HarborInstallError(`project ${name} was created but cannot be read back`);
    return { outcome: 'created', id };
  }

  /**
   * Creates the project's CI robot with `secret` unless it exists; an existing robot gets `secret` set again
   * (PATCH /robots/{id}), so the value Jenkins holds keeps working. Never creates a second robot.
   */
  async ensureRobot(project: string, projectId: number, name: string, secret: string): Promise<{ outcome: Outcome; fullName: string }> {
    if (!validRobotSecret(secret)) throw new HarborInstallError('HARBOR_ROBOT_SECRET must be 8-128 characters with upper case, lower case and a digit');
    const fullName = robotFullName(project, name);
    const list = await this.call('GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projectId}`)}&page_size=100`);
    if (list.status !== 200) this.fail('GET /robots', list.status, list.json);
    const found = ((list.json as Array<{ id: number; name: string }>) ?? []).find((robot) => robot.name === fullName);
    if (found) {
      const patch = await this.call('PATCH', `/robots/${found.id}`, { secret });
      if (patch.status !== 200) this.fail(`PATCH /robots/${found.id}`, patch.status, patch.json);
      return { outcome: 'updated', fullName };
    }
    const created = await this.call('POST', '/robots', robotCreateBody(project, name, secret));
    if (created.status !== 201) this.fail('POST /robots', created.status, created.json);
    const robot = created.json as { id: number; secret?: string };
    // Harbor versions that ignore `secret` on creation generate one: set ours.
    if (robot.secret !== secret) {
      const patch = await this.call('PATCH', `/robots/${robot.id}`, { secret });
      if (patch.status !== 200) this.fail(`PATCH /robots/${robot.id}`, patch.status, patch.json);
    }
    return { outcome: 'created', fullName };
  }
}
