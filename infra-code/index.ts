/**
 * Pulumi entry point (`Pulumi.yaml` → `main: infra-code/`). `shagram:platform` selects the program: `vps` (default:
 * a Yandex VPS or an existing host, see program.ts), `kubernetes` (k8s/program.ts, stack `k8s`) or `bootstrap`
 * (bootstrap/program.ts, stack `bootstrap`: the accounts, keys and state bucket the other stacks need).
 * Stack outputs: no secret among them, except the bootstrap stack's keys (Pulumi secrets).
 */
import { runBootstrapProgram } from './bootstrap/program';
import { loadPlatformKind } from './k8s/config-source';
import { runKubernetesProgram } from './k8s/program';
import { runProgram } from './program';

const kind = loadPlatformKind();
const platform = kind === 'vps' ? runProgram() : undefined;

/** Public address of the host. */
export const publicIp = platform?.outputs.publicIp;
/** The chat. */
export const chatUrl = platform?.outputs.chatUrl;
/** Jenkins (through the TLS edge). */
export const jenkinsUrl = platform?.outputs.jenkinsUrl;
/** Harbor's registry name (docker login / push target). */
export const registryHost = platform?.outputs.registryHost;
/** The app image the Shagram stack runs. */
export const appImage = platform?.outputs.appImage;
/** Where to delegate the domain at its registrar, when the program created its Cloud DNS zone. */
export const dnsNameServers = platform?.outputs.dnsNameServers;

// The Kubernetes program's outputs (chatUrl, namespace, replicas, appImage) replace the above on that platform;
// undefined outputs are not stack outputs.
if (kind === 'kubernetes') Object.assign(module.exports, runKubernetesProgram().outputs);
if (kind === 'bootstrap') Object.assign(module.exports, runBootstrapProgram().outputs);
