/** Pulumi entry point (`Pulumi.yaml` → `main: infra-code/`). Stack outputs: no secret among them. */
import { runProgram } from './program';

const platform = runProgram();

/** Public address of the host. */
export const publicIp = platform.outputs.publicIp;
/** The chat. */
export const chatUrl = platform.outputs.chatUrl;
/** Jenkins (through the TLS edge). */
export const jenkinsUrl = platform.outputs.jenkinsUrl;
/** Harbor's registry name (docker login / push target). */
export const registryHost = platform.outputs.registryHost;
/** The app image the Shagram stack runs. */
export const appImage = platform.outputs.appImage;
