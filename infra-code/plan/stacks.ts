/** How the program deploys each stack of the stack table (stack-spec.ts): host paths and deploy options. */
import type { DeployOptions } from './remote-scripts';
import { HOST_INCOMING_DIR, HOST_STACKS_DIR, stackSpec, type EnvInputs, type StackName } from './stack-spec';

export { HOST_BASE_DIR, HARBOR_PORT, JENKINS_PORT, STACK_NAMES, STACKS, type EnvInputs, type StackName } from './stack-spec';

/** Deploy options of one stack (paths, image step, pre-deploy hook, registry login, health bound). Pure. */
export function stackDeployOptions(name: StackName): DeployOptions {
  const spec = stackSpec(name);
  return {
    name,
    stackDir: `${HOST_STACKS_DIR}/${name}`,
    incomingArchive: `${HOST_INCOMING_DIR}/${name}.tar.gz`,
    images: spec.images,
    preDeploy: spec.preDeploy,
    registryLogin: spec.registryLogin,
    waitTimeoutSeconds: spec.waitTimeoutSeconds,
  };
}

/** The `.env` variables of one stack. Pure. */
export function stackEnv(name: StackName, v: EnvInputs): Record<string, string> {
  return stackSpec(name).env(v);
}
