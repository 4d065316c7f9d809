import { HarborClient, robotCreateBody, robotFullName, validRobotSecret } from '../src/harbor-api';
import { startFakeHarbor, type FakeHarbor } from './fake-harbor';

const ADMIN = 'Admin-Passw0rd';
const SECRET = 'Robot-Secret-123';
let harbor: FakeHarbor;
beforeEach(async () => (harbor = await startFakeHarbor(ADMIN)));
afterEach(() => harbor.close());

const writes = () => harbor.seen.filter((request) => request.method !== 'GET');

describe('Harbor API client (against a loopback Harbor API v2.0)', () => {
  it('creates the private project and the project robot with our secret, then finds them on a second run', async () => {
    const client = new HarborClient(harbor.url, 'admin', ADMIN);
    expect(await client.healthy()).toBe(true);
    const project = await client.ensureProject('shagram');
    expect(project.outcome).toBe('created');
    expect(harbor.projects.get('shagram')?.metadata).toEqual({ public: 'false' });
    const robot = await client.ensureRobot('shagram', project.id, 'ci', SECRET);
    expect(robot).toEqual({ outcome: 'created', fullName: 'robot$shagram+ci' });
    expect(harbor.robots).toHaveLength(1);
    expect(harbor.robots[0]).toMatchObject({ name: 'robot$shagram+ci', secret: SECRET, level: 'project' });

    const before = writes().length;
    const again = await client.ensureProject('shagram');
    expect(again).toEqual({ outcome: 'exists', id: project.id });
    expect((await client.ensureRobot('shagram', again.id, 'ci', SECRET)).outcome).toBe('updated');
    // The second run created nothing: no POST, one robot, one project.
    expect(writes().slice(before).map((request) => request.method)).toEqual(['PATCH']);
    expect(harbor.robots).toHaveLength(1);
    expect(harbor.projects.size).toBe(1);
  });

  it('looks project robots up with the Level=project,ProjectID filter Harbor needs', async () => {
    const client = new HarborClient(harbor.url, 'admin', ADMIN);
    const { id } = await client.ensureProject('shagram');
    await client.ensureRobot('shagram', id, 'ci', SECRET);
    const listing = harbor.seen.find((request) => request.method === 'GET' && request.path.startsWith('/api/v2.0/robots'));
    expect(new URL(listing!.path, 'http://x').searchParams.get('q')).toBe(`Level=project,ProjectID=${id}`);
  });

  it('resets the secret of an existing robot so Jenkins and Harbor agree', async () => {
    const client = new HarborClient(harbor.url, 'admin', ADMIN);
    const { id } = await client.ensureProject('shagram');
    await client.ensureRobot('shagram', id, 'ci', SECRET);
    await client.ensureRobot('shagram', id, 'ci', 'Rotated-Secret-456');
    expect(harbor.robots[0]?.secret).toBe('Rotated-Secret-456');
  });

  it('fails readably with a wrong admin password, and reports unhealthy or unreachable Harbor as not healthy', async () => {
    const client = new HarborClient(harbor.url, 'admin', 'wrong');
    await expect(client.ensureProject('shagram')).rejects.toThrow('GET /projects/shagram answered 401: unauthorized');
    harbor.healthy = false;
    expect(await client.healthy()).toBe(false);
    expect(await new HarborClient('http://127.0.0.1:1', 'admin', ADMIN, 2000).healthy()).toBe(false);
  });

  it('refuses a robot secret Harbor would reject, before any call', async () => {
    const client = new HarborClient(harbor.url, 'admin', ADMIN);
    await expect(client.ensureRobot('shagram', 1, 'ci', 'change-me')).rejects.toThrow(/HARBOR_ROBOT_SECRET/);
    expect(harbor.seen).toHaveLength(0);
  });
});

describe('robot plan', () => {
  it('builds a never-expiring project robot limited to push/pull in its project', () => {
    const body = robotCreateBody('shagram', 'ci', SECRET) as any;
    expect(body).toMatchObject({ name: 'ci', level: 'project', duration: -1, secret: SECRET, disable: false });
    expect(body.permissions).toHaveLength(1);
    expect(body.permissions[0]).toMatchObject({ kind: 'project', namespace: 'shagram' });
    const actions = body.permissions[0].access.map((a: any) => `${a.resource}:${a.action}`);
    expect(actions).toEqual(expect.arrayContaining(['repository:push', 'repository:pull']));
    expect(actions.some((a: string) => a.endsWith(':delete'))).toBe(false);
    expect(robotFullName('shagram', 'ci')).toBe('robot$shagram+ci');
  });
  it('knows Harbor robot secret rules', () => {
    expect(validRobotSecret('Abcdefg1')).toBe(true);
    expect(validRobotSecret('abcdefg1')).toBe(false);
    expect(validRobotSecret('ABCDEFG1')).toBe(false);
    expect(validRobotSecret('Abcdefgh')).toBe(false);
    expect(validRobotSecret('Ab1')).toBe(false);
    expect(validRobotSecret(`Ab1${'x'.repeat(126)}`)).toBe(false);
  });
});
