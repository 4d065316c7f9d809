import { ScriptError } from '../lib/cli';
import { parseDevCertArgs, planDevCerts, serverExtensions } from '../src/dev-certs-plan';

describe('dev-certs plan', () => {
  it('parses options and defaults the names from the environment', () => {
    expect(parseDevCertArgs([], { CHAT_HOST: 'chat.x', REGISTRY_HOST: 'reg.x' })).toEqual({ outDir: 'nginx/tls', hosts: ['chat.x', 'reg.x', 'localhost'], days: 90, newCa: false });
    expect(parseDevCertArgs(['--out', 'o', '--host', 'a.test', '--days', '7', '--new-ca'], {})).toEqual({ outDir: 'o', hosts: ['a.test', 'localhost'], days: 7, newCa: true });
    expect(parseDevCertArgs(['--help'], {})).toBe('help');
  });

  it.each([[['--days', '400']], [['--days', 'x']], [['--host', 'bad name']], [['--out']], [['--what']]])('rejects %j', (argv) => {
    expect(() => parseDevCertArgs(argv, {})).toThrow(ScriptError);
  });

  it('writes SANs for every name plus the loopback addresses', () => {
    expect(serverExtensions(['a.test', 'localhost'])).toMatch(/^subjectAltName=DNS:a\.test,DNS:localhost,IP:127\.0\.0\.1,IP:::1$/m);
    expect(serverExtensions(['a.test'])).toMatch(/extendedKeyUsage=serverAuth/);
  });

  it('keeps an existing CA and makes a new one when asked or missing', () => {
    const options = { outDir: 'o', hosts: ['a.test', 'localhost'], days: 30, newCa: false };
    const kept = planDevCerts(options, true, 'abc');
    expect(kept.map((step) => step.kind)).toEqual(['write', 'openssl', 'openssl', 'remove', 'remove']);
    const made = planDevCerts(options, false, 'abc');
    expect(made[0]).toMatchObject({ kind: 'openssl', command: { argv: expect.arrayContaining(['openssl', '-x509', 'o/ca.pem', 'o/ca-key.pem']) } });
    expect(planDevCerts({ ...options, newCa: true }, true, 'abc')).toHaveLength(6);
    const sign = kept[2] as { command: { argv: string[] } };
    expect(sign.command.argv).toEqual(expect.arrayContaining(['-set_serial', '0xabc', '-days', '30', '-CA', 'o/ca.pem', '-out', 'o/fullchain.pem']));
    expect((kept[1] as { command: { argv: string[] } }).command.argv).toEqual(expect.arrayContaining(['-subj', '/CN=a.test', '-keyout', 'o/privkey.pem']));
  });
});
