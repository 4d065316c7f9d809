import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../test/system-helpers/exec';

const DIR = path.join(__dirname, '../../test-results/host-scripts');
let count = 0;

/**
 * Keeps what a script printed under test-results/host-scripts/<prefix>-NN-<script>.txt (git-ignored): the source of
 * the example output in docs/operating.md.
 */
export function keepTranscript(prefix: string, script: string, args: readonly string[], result: RunResult): void {
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(
    path.join(DIR, `${prefix}-${String(++count).padStart(2, '0')}-${script}.txt`),
    `$ scripts/${script} ${args.join(' ')}\n${result.stdout}${result.stderr}[exit ${result.code}]\n`,
  );
}
