import fs from 'node:fs';
import path from 'node:path';

const repo = path.join(__dirname, '..', '..');
const jenkinsfile = fs.readFileSync(path.join(repo, 'Jenkinsfile'), 'utf8');
const code = jenkinsfile.replace(/^\s*\/\/.*$/gm, '');

/** The body of `stage('<name>') { ... }`, by brace matching. */
function stageBody(name: string): string {
  const start = code.indexOf(`stage('${name}')`);
  if (start < 0) throw new Error(`no stage ${name}`);
  const open = code.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    if (code[i] === '}' && --depth === 0) return code.slice(open + 1, i);
  }
  throw new Error(`unbalanced stage ${name}`);
}

describe('Jenkinsfile', () => {
  it('is declarative, runs on the docker-agent, and has the stages in order', () => {
    expect(code).toMatch(/^pipeline \{/m);
    expect(code).toMatch(/agent \{ label 'docker-agent' \}/);
    const stages = [...code.matchAll(/stage\('([^']+)'\)/g)].map((match) => match[1]);
    expect(stages).toEqual(['Checkout', 'Install', 'Lint + typecheck', 'Test', 'Image', 'Push', 'Deploy', 'Smoke test']);
  });

  it('runs the real checks: npm ci, lint, typecheck, tests', () => {
    expect(stageBody('Install')).toContain("sh 'npm ci");
    expect(stageBody('Lint + typecheck')).toContain("sh 'npm run -s lint'");
    expect(stageBody('Lint + typecheck')).toContain("sh 'npm run -s typecheck'");
    expect(stageBody('Test')).toContain("sh 'npm test");
  });

  it('tags the image with the commit SHA and pushes it with the Harbor robot credential', () => {
    expect(stageBody('Image')).toContain("sh(script: 'scripts/ci/image-tag', returnStdout: true)");
    expect(stageBody('Image')).toContain('scripts/ci/build-image --tag "$IMAGE_TAG"');
    expect(stageBody('Push')).toMatch(/usernamePassword\(credentialsId: 'harbor-robot', usernameVariable: 'HARBOR_USER', passwordVariable: 'HARBOR_PASSWORD'\)/);
    expect(stageBody('Push')).toContain('scripts/ci/push-image --tag "$IMAGE_TAG"');
  });

  it('deploys, smoke tests and rolls back only on main', () => {
    for (const stage of ['Deploy', 'Smoke test']) expect(stageBody(stage)).toMatch(/^\s*when \{ expression \{ env\.DEPLOY == 'true' \} \}/);
    for (const stage of ['Checkout', 'Install', 'Lint + typecheck', 'Test', 'Image', 'Push']) expect(stageBody(stage)).not.toContain('when');
    // The gate: true only for the main branch, however the job names it.
    const gate = /env\.DEPLOY = \((.*)\) \? 'true' : 'false'/.exec(stageBody('Checkout'))?.[1];
    expect(gate).toBe("env.GIT_BRANCH in ['origin/main', 'main', 'refs/heads/main'] || env.BRANCH_NAME == 'main'");
    const evaluate = (gitBranch: string | undefined, branchName: string | undefined) =>
      ['origin/main', 'main', 'refs/heads/main'].includes(gitBranch as string) || branchName === 'main';
    expect(evaluate('origin/main', undefined)).toBe(true);
    expect(evaluate('origin/feature/x', undefined)).toBe(false);
    expect(evaluate('origin/main-old', undefined)).toBe(false);
    expect(evaluate(undefined, 'main')).toBe(true);
  });

  it('runs pulumi up on prod with the tag, smoke tests the URL, rolls back then fails on a bad smoke test', () => {
    expect(stageBody('Deploy')).toContain('scripts/ci/deploy --stack prod --tag "$IMAGE_TAG" --previous-tag-file "$PREVIOUS_TAG_FILE"');
    const smoke = stageBody('Smoke test');
    expect(smoke).toContain(`sh(script: 'scripts/ci/smoke --url "$SHAGRAM_URL"', returnStatus: true)`);
    const failure = smoke.slice(smoke.indexOf('if (smoke != 0)'));
    expect(failure.indexOf('scripts/ci/rollback --stack prod --previous-tag-file "$PREVIOUS_TAG_FILE"')).toBeGreaterThan(0);
    expect(failure.indexOf('error(')).toBeGreaterThan(failure.indexOf('scripts/ci/rollback'));
  });

  it('calls only stage scripts that exist and are executable', () => {
    const scripts = [...new Set([...code.matchAll(/scripts\/ci\/([a-z-]+)/g)].map((match) => match[1] as string))];
    expect(scripts.sort()).toEqual(['build-image', 'deploy', 'image-tag', 'push-image', 'rollback', 'smoke']);
    for (const script of scripts) {
      const file = path.join(repo, 'scripts', 'ci', script);
      expect(fs.statSync(file).mode & 0o111).not.toBe(0);
      expect(fs.existsSync(path.join(repo, 'scripts', 'ci', 'src', `${script}.ts`))).toBe(true);
    }
  });

  it('holds no secret: credentials are bound by id, the passphrase never in a string', () => {
    expect(code).not.toMatch(/password\s*[:=]\s*['"][^'"$]/i);
    expect(code).not.toMatch(/PULUMI_CONFIG_PASSPHRASE\s*=/);
    expect(code).toContain("string(credentialsId: 'pulumi-passphrase', variable: 'PULUMI_CONFIG_PASSPHRASE')");
  });

  it('balances braces and parentheses', () => {
    const stripped = code.replace(/'[^'\n]*'/g, "''").replace(/"[^"\n]*"/g, '""');
    expect(stripped.split('{').length).toBe(stripped.split('}').length);
    expect(stripped.split('(').length).toBe(stripped.split(')').length);
    expect(stripped.split('[').length).toBe(stripped.split(']').length);
  });
});
