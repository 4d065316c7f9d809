import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake Harbor received. */
export interface Seen {
  method: string;
  path: string;
  body?: any;
}

/** A fake Harbor started on loopback. */
export interface FakeHarbor {
  url: string;
  seen: Seen[];
  projects: Map<string, { project_id: number; name: string; metadata: Record<string, string> }>;
  robots: Array<{ id: number; name: string; secret: string; level: string; project_id: number; permissions: unknown }>;
  /** Set false to make /health report unhealthy. */
  healthy: boolean;
  close(): Promise<void>;
}

/**
 * A small HTTP server that behaves like Harbor's API v2.0 for the endpoints harbor/install uses: basic auth
 * as admin, /health, project lookup by name and creation (409 on duplicates), robot listing filtered by
 * `q=Level=project,ProjectID=<id>` (names `robot$<project>+<name>`), creation (201, `secret` honoured) and
 * secret refresh by PATCH.
 */
export async function startFakeHarbor(adminPassword: string): Promise<FakeHarbor> {
  const state = {
    seen: [] as Seen[],
    projects: new Map<string, { project_id: number; name: string; metadata: Record<string, string> }>(),
    robots: [] as FakeHarbor['robots'],
    healthy: true,
  };
  let nextId = 1;
  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) => send(res, status, { errors: [{ code, message }] });

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://harbor');
      const body = raw ? JSON.parse(raw) : undefined;
      state.seen.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body });
      const p = url.pathname.replace(/^\/api\/v2\.0/, '');
      if (p === '/health' && req.method === 'GET') {
        return send(res, 200, { status: state.healthy ? 'healthy' : 'unhealthy', components: [] });
      }
      if (req.headers.authorization !== `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`) {
        return error(res, 401, 'UNAUTHORIZED', 'unauthorized');
      }
      let match: RegExpExecArray | null;
      if ((match = /^\/projects\/([^/]+)$/.exec(p)) && req.method === 'GET') {
        const project = state.projects.get(decodeURIComponent(match[1] as string));
        return project ? send(res, 200, project) : error(res, 404, 'NOT_FOUND', 'project not found');
      }
      if (p === '/projects' && req.method === 'POST') {
        if (state.projects.has(body.project_name)) return error(res, 409, 'CONFLICT', 'project already exists');
        state.projects.set(body.project_name, { project_id: nextId++, name: body.project_name, metadata: body.metadata ?? {} });
        res.setHeader('location', `/api/v2.0/projects/${state.projects.get(body.project_name)?.project_id}`);
        return send(res, 201);
      }
      if (p === '/robots' && req.method === 'GET') {
        const q = /^Level=project,ProjectID=(\d+)$/.exec(url.searchParams.get('q') ?? '');
        const listed = q ? state.robots.filter((robot) => robot.level === 'project' && robot.project_id === Number(q[1])) : state.robots.filter((robot) => robot.level === 'system');
        return send(res, 200, listed.map(({ secret: _secret, ...robot }) => robot));
      }
      if (p === '/robots' && req.method === 'POST') {
        const namespace = body.permissions?.[0]?.namespace;
        const project = state.projects.get(namespace);
        if (body.level !== 'project' || !project) return error(res, 400, 'BAD_REQUEST', 'bad robot');
        const name = `robot$${namespace}+${body.name}`;
        if (state.robots.some((robot) => robot.name === name)) return error(res, 409, 'CONFLICT', 'robot already exists');
        const robot = { id: nextId++, name, secret: body.secret ?? 'Generated1secret', level: 'project', project_id: project.project_id, permissions: body.permissions };
        state.robots.push(robot);
        return send(res, 201, { id: robot.id, name, secret: robot.secret, creation_time: new Date().toISOString(), expires_at: -1 });
      }
      if ((match = /^\/robots\/(\d+)$/.exec(p)) && req.method === 'PATCH') {
        const robot = state.robots.find((candidate) => candidate.id === Number(match?.[1]));
        if (!robot) return error(res, 404, 'NOT_FOUND', 'robot not found');
        robot.secret = body.secret;
        return send(res, 200, { secret: body.secret });
      }
      return error(res, 404, 'NOT_FOUND', `no route ${req.method} ${p}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeHarbor = Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return fake;
}
