/**
 * Pulumi entry point (`Pulumi.yaml` → `main: infra-code/`). `shagram:platform` selects the program: `vps` (default:
 * a Yandex VPS or an existing host, vps/program.ts), `kubernetes` (k8s/program.ts, stack `k8s`) or `bootstrap`
 * (bootstrap/program.ts, stack `bootstrap`: the accounts, keys and state bucket the other stacks need).
 * Stack outputs: no secret among them, except the bootstrap stack's keys (Pulumi secrets).
 *
 * The module's export is the chosen program's outputs object. Pulumi's Node.js runtime (@pulumi/pulumi 3.245,
 * `cmd/run/run.js`, `runProgram`) requires the program inside `runInPulumiStack` and takes `module.exports` as the
 * stack outputs: a function would be called and a promise awaited, a plain object is used as it is;
 * `runtime/stack.js` (`massage`) then makes each of its keys a stack output (an undefined one is dropped, with a
 * warning). The programs leave an absent output out of the object (the VPS program's `dnsNameServers` without a zone
 * it created), so the stack has exactly the outputs the program returns. A bad key throws while the module loads,
 * before any resource is registered.
 */
import { runBootstrapProgram } from './bootstrap/program';
import { runKubernetesProgram } from './k8s/program';
import { loadPlatformKind } from './common/config-source';
import type { PlatformKind } from './common/platform-kind';
import { runVpsProgram } from './vps/program';

/** Each program, run: its stack outputs. */
const programs: Record<PlatformKind, () => object> = {
  vps: () => runVpsProgram().outputs,
  kubernetes: () => runKubernetesProgram().outputs,
  bootstrap: () => runBootstrapProgram().outputs,
};

export = programs[loadPlatformKind()]();
