/**
 * The bootstrap program (stack `bootstrap`, `shagram:platform: bootstrap`), run once from an operator's machine with
 * the operator's own Yandex credentials and a local state (docs/bootstrap.md, step 1): the deployer and state service
 * accounts with their folder roles, the deployer's authorized key, the state account's S3 key and the versioned,
 * private state bucket. Its outputs are what the prod stack's configuration needs (scripts/bootstrap-config copies
 * them there); the secret ones are Pulumi secrets.
 */
import * as pulumi from '@pulumi/pulumi';
import { loadStackConfig } from '../common/config-source';
import {
  IamServiceAccount,
  IamServiceAccountKey,
  IamServiceAccountStaticAccessKey,
  ResourcemanagerFolderIamMember,
  StorageBucket,
} from '../common/yandex';
import { parseBootstrapConfig, type BootstrapConfig } from './config';
import { DEPLOYER, STATE, authorizedKeyJson, stateBackendUrl, type AccountPlan } from './plan';

/** The stack outputs. */
export interface BootstrapOutputs {
  stateBucket: pulumi.Output<string>;
  stateBackendUrl: pulumi.Output<string>;
  stateAccessKeyId: pulumi.Output<string>;
  stateSecretAccessKey: pulumi.Output<string>;
  deployerServiceAccountId: pulumi.Output<string>;
  deployerKeyJson: pulumi.Output<string>;
}

/** Seconds the provider waits after a role binding: Yandex IAM applies a new binding within seconds, not at once. */
const IAM_SETTLE_SECONDS = 10;

function account(plan: AccountPlan, folderId: string): { account: IamServiceAccount; bindings: ResourcemanagerFolderIamMember[] } {
  const sa = new IamServiceAccount(plan.name, { name: plan.name, description: plan.description, folderId });
  const bindings = plan.roles.map(
    (role) => new ResourcemanagerFolderIamMember(`${plan.name}-${role}`, { folderId, role, member: pulumi.interpolate`serviceAccount:${sa.id}`, sleepAfter: IAM_SETTLE_SECONDS }),
  );
  return { account: sa, bindings };
}

/** Registers the bootstrap resources for a parsed configuration. */
export function createBootstrap(config: BootstrapConfig): BootstrapOutputs {
  const deployer = account(DEPLOYER, config.folderId);
  const state = account(STATE, config.folderId);

  const deployerKey = new IamServiceAccountKey(`${DEPLOYER.name}-key`, { serviceAccountId: deployer.account.id, description: 'yandex:serviceAccountKeyFile of the prod stack', keyAlgorithm: 'RSA_2048' });
  const stateKey = new IamServiceAccountStaticAccessKey(`${STATE.name}-s3-key`, { serviceAccountId: state.account.id, description: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the Pulumi state bucket' });
  // The bucket is created through the S3 API with the state account's key: its role must be in place first.
  const bucket = new StorageBucket(
    'pulumi-state',
    { bucket: config.stateBucket, accessKey: stateKey.accessKey, secretKey: stateKey.secretKey, acl: 'private', forceDestroy: false, versioning: { enabled: true } },
    { dependsOn: state.bindings, protect: true },
  );

  return {
    stateBucket: bucket.bucket,
    stateBackendUrl: bucket.bucket.apply(stateBackendUrl),
    stateAccessKeyId: stateKey.accessKey,
    stateSecretAccessKey: pulumi.secret(stateKey.secretKey),
    deployerServiceAccountId: deployer.account.id,
    deployerKeyJson: pulumi.secret(
      pulumi
        .all([deployerKey.id, deployerKey.serviceAccountId, deployerKey.createdAt, deployerKey.keyAlgorithm, deployerKey.publicKey, deployerKey.privateKey])
        .apply(([id, serviceAccountId, createdAt, keyAlgorithm, publicKey, privateKey]) => authorizedKeyJson({ id, serviceAccountId, createdAt, keyAlgorithm, publicKey, privateKey })),
    ),
  };
}

/** Runs the bootstrap program against the current Pulumi runtime (its config). */
export function runBootstrapProgram(): { outputs: BootstrapOutputs } {
  return { outputs: createBootstrap(loadStackConfig(({ values }) => parseBootstrapConfig(values))) };
}
