import { literalSecrets, onlyReferences, secretVariables } from './secret-scan';

describe('secret scan', () => {
  it('accepts references only, nested included', () => {
    expect(onlyReferences('${a}')).toBe(true);
    expect(onlyReferences('${base64:${yc_sa_key_json}}')).toBe(true);
    expect(onlyReferences(' ${a}${B} ')).toBe(true);
    expect(onlyReferences('x${a}')).toBe(false);
    expect(onlyReferences('hunter2')).toBe(false);
  });

  it('finds a literal password, token or private key under any nesting', () => {
    const text = 'a:\n  users:\n    - id: admin\n      password: hunter2\n  b:\n    privateKey: "-----BEGIN"\n  token: ${t}\n  port: 22\n';
    expect(literalSecrets(text)).toEqual(['a.users[0].password: hunter2', 'a.b.privateKey: -----BEGIN']);
  });

  it('checks list items under a secret-named key and ignores credential ids', () => {
    expect(literalSecrets('tokens:\n  - abc\n  - ${ok}\ncredentialsId: github-webhook-secret\nsecretId: x\n')).toEqual(['tokens[0]: abc']);
  });

  it('checks .env files: secret-named variables must be empty, references or change-me placeholders', () => {
    expect(literalSecrets('A_PASSWORD=\nB_TOKEN=change-me\nC_SECRET=${X}\nHOST=h\n', { env: true })).toEqual([]);
    expect(literalSecrets('DB_PASSWORD=hunter2\n', { env: true })).toEqual(['DB_PASSWORD']);
  });

  it('lists lower-case file-secret references, with or without a default', () => {
    expect(secretVariables('# ${in_comment}\n${a_b} ${UPPER} ${c:-} ${readFile:/x} ${base64:${d}} ${a_b}')).toEqual(['a_b', 'c', 'd']);
  });
});
