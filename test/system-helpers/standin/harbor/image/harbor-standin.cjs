/*
 * Stand-in for the parts of Harbor v2 that the deploy uses, on port 8080 (Harbor's proxy container's port):
 * - `/v2/…` (the registry API) is passed to the registry on 127.0.0.1:5000 unchanged (headers, body, status), as
 *   Harbor's proxy passes it to its registry. Auth there is basic auth from /data/secret/registry/htpasswd.
 * - `/api/v2.0/…`: the calls harbor/install makes, answered as Harbor's API v2.0 answers them
 *   (goharbor/harbor api/v2.0/swagger.yaml): GET /health (no auth; OverallHealthStatus), GET
 *   /projects/{project_name_or_id} (X-Is-Resource-Name; 404 when missing), POST /projects (ProjectReq; 201 with
 *   Location; 409 on a duplicate), GET /robots?q=Level=project,ProjectID=<id> (Robot list, no secrets),
 *   POST /robots (RobotCreate; 201 RobotCreated with `robot$<project>+<name>`), PATCH /robots/{robot_id} (RobotSec;
 *   200). Every call but /health needs basic auth as admin (401 otherwise). Creating a robot or setting its secret
 *   writes its bcrypt entry into the registry's htpasswd, so the robot can log in to the registry, as a Harbor robot
 *   can. Not modelled: robot permissions (any registry user may push or pull anything here), token auth (Harbor's
 *   registry answers Bearer challenges; this one Basic), the UI.
 * State (projects, robots) is kept in /data/standin-api.json, so it survives a restart as Harbor's database does.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node in a container */
const http = require('node:http');
/** Harbor's proxy listens on 8080 in its container; with host networking the stand-in takes the published port. */
const PORT = Number(process.env.HARBOR_STANDIN_PORT || 8080);
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

const STATE = '/data/standin-api.json';
const HTPASSWD = '/data/secret/registry/htpasswd';
const admin = `Basic ${Buffer.from(`admin:${process.env.HARBOR_ADMIN_PASSWORD}`).toString('base64')}`;
const state = fs.existsSync(STATE) ? JSON.parse(fs.readFileSync(STATE, 'utf8')) : { nextId: 1, projects: {}, robots: [] };
const save = () => fs.writeFileSync(STATE, JSON.stringify(state));
const login = (name, secret) => execFileSync('htpasswd', ['-bB', HTPASSWD, name, secret], { stdio: 'ignore' });

function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}
const error = (res, status, code, message) => send(res, status, { errors: [{ code, message }] });

function api(req, res, body) {
  const url = new URL(req.url, 'http://harbor');
  const p = url.pathname.replace(/^\/api\/v2\.0/, '');
  console.log(`api ${req.method} ${p}${url.search}`);
  if (p === '/health' && req.method === 'GET') {
    return send(res, 200, { status: 'healthy', components: ['core', 'registry'].map((name) => ({ name, status: 'healthy' })) });
  }
  if (req.headers.authorization !== admin) return error(res, 401, 'UNAUTHORIZED', 'unauthorized');
  let m;
  if ((m = /^\/projects\/([^/]+)$/.exec(p)) && req.method === 'GET') {
    const key = decodeURIComponent(m[1]);
    const byName = req.headers['x-is-resource-name'] === 'true' || !/^\d+$/.test(key);
    const project = byName ? state.projects[key] : Object.values(state.projects).find((x) => x.project_id === Number(key));
    return project ? send(res, 200, project) : error(res, 404, 'NOT_FOUND', `project ${key} not found`);
  }
  if (p === '/projects' && req.method === 'POST') {
    if (!body || typeof body.project_name !== 'string') return error(res, 400, 'BAD_REQUEST', 'project_name is required');
    if (state.projects[body.project_name]) return error(res, 409, 'CONFLICT', `The project named ${body.project_name} already exists`);
    const project = { project_id: state.nextId++, name: body.project_name, metadata: body.metadata ?? { public: 'false' } };
    state.projects[project.name] = project;
    save();
    return send(res, 201, undefined, { location: `/api/v2.0/projects/${project.project_id}` });
  }
  if (p === '/robots' && req.method === 'GET') {
    const q = /^Level=project,ProjectID=(\d+)$/.exec(url.searchParams.get('q') ?? '');
    const listed = state.robots.filter((r) => (q ? r.level === 'project' && r.project_id === Number(q[1]) : true));
    return send(res, 200, listed.map(({ secret: _s, ...r }) => r), { 'x-total-count': String(listed.length) });
  }
  if (p === '/robots' && req.method === 'POST') {
    const namespace = body?.permissions?.[0]?.namespace;
    const project = state.projects[namespace];
    if (body?.level !== 'project' || !project) return error(res, 400, 'BAD_REQUEST', 'a project robot needs an existing project in permissions[0].namespace');
    const name = `robot$${namespace}+${body.name}`;
    if (state.robots.some((r) => r.name === name)) return error(res, 409, 'CONFLICT', `robot ${name} already exists`);
    const robot = { id: state.nextId++, name, secret: body.secret ?? `Gen${Math.random().toString(36).slice(2)}9Z`, level: 'project', project_id: project.project_id, duration: body.duration, disable: false, permissions: body.permissions };
    login(name, robot.secret);
    state.robots.push(robot);
    save();
    return send(res, 201, { id: robot.id, name, secret: robot.secret, creation_time: new Date().toISOString(), expires_at: -1 }, { location: `/api/v2.0/robots/${robot.id}` });
  }
  if ((m = /^\/robots\/(\d+)$/.exec(p)) && req.method === 'PATCH') {
    const robot = state.robots.find((r) => r.id === Number(m[1]));
    if (!robot) return error(res, 404, 'NOT_FOUND', `robot ${m[1]} not found`);
    if (!body || typeof body.secret !== 'string') return error(res, 400, 'BAD_REQUEST', 'secret is required');
    robot.secret = body.secret;
    login(robot.name, robot.secret);
    save();
    return send(res, 200, { secret: body.secret });
  }
  return error(res, 404, 'NOT_FOUND', `no route ${req.method} ${p}`);
}

http
  .createServer((req, res) => {
    if (req.url.startsWith('/v2/') || req.url === '/v2') {
      // Like Harbor's proxy access log: who (the basic-auth user, never the password), what, and how it came in.
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization || '');
      const user = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] : '-';
      const upstream = http.request({ host: '127.0.0.1', port: 5000, method: req.method, path: req.url, headers: req.headers }, (up) => {
        console.log(`registry ${req.method} ${req.url} user=${user} host=${req.headers.host} proto=${req.headers['x-forwarded-proto'] || '-'} status=${up.statusCode}`);
        res.writeHead(up.statusCode, up.rawHeaders);
        up.pipe(res);
      });
      upstream.on('error', (e) => (res.headersSent ? res.destroy() : error(res, 502, 'BAD_GATEWAY', e.message)));
      req.pipe(upstream);
      return;
    }
    if (!req.url.startsWith('/api/')) return error(res, 404, 'NOT_FOUND', 'the stand-in serves only /v2/ and /api/v2.0/');
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return error(res, 400, 'BAD_REQUEST', 'invalid JSON');
      }
      try {
        api(req, res, body);
      } catch (e) {
        error(res, 500, 'INTERNAL_SERVER_ERROR', e.message);
      }
    });
  })
  .listen(PORT, '0.0.0.0', () => console.log(`harbor stand-in: listening on ${PORT}`));
