import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Needs ssh-keygen (openssh-client, installed with openssh-server by the system lane setup).
const script = path.join(__dirname, '..', 'agent', 'agent-keygen.sh');

describe('jenkins/agent/agent-keygen.sh', () => {
  it('generates the controller key pair and the agent host key once, and keeps them on later runs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-keys-'));
    try {
      const env = { ...process.env, KEYS_DIR: dir, CONTROLLER_UID: String(process.getuid?.() ?? 0) };
      execFileSync('sh', [script], { env, stdio: 'pipe' });
      const files = ['controller_ed25519', 'controller_ed25519.pub', 'host_ed25519', 'host_ed25519.pub', 'host_ed25519.key'];
      expect(fs.readdirSync(dir).sort()).toEqual([...files].sort());
      expect(fs.readFileSync(path.join(dir, 'controller_ed25519'), 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
      expect(fs.statSync(path.join(dir, 'controller_ed25519')).mode & 0o777).toBe(0o400);
      expect(fs.statSync(path.join(dir, 'host_ed25519')).mode & 0o777).toBe(0o400);
      // JCasC's manually provided host key: "<type> <base64>", nothing else.
      expect(fs.readFileSync(path.join(dir, 'host_ed25519.key'), 'utf8')).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
      const before = files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
      execFileSync('sh', [script], { env, stdio: 'pipe' });
      expect(files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8'))).toEqual(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
