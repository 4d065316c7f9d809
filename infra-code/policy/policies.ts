/** The Shagram policies (wired from the pure checks in rules.ts). */
import type { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { bootDiskTooSmall, MIN_BOOT_DISK_GB, plaintextSecretOutputs, sshOpenToWorld } from './rules';

const SECURITY_GROUP = 'yandex:index/vpcSecurityGroup:VpcSecurityGroup';
const INSTANCE = 'yandex:index/computeInstance:ComputeInstance';

/** Every policy of the pack, mandatory. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: 'no-ssh-open-to-world',
    description: 'Security groups must not admit SSH (22) from 0.0.0.0/0 or ::/0.',
    enforcementLevel: 'mandatory',
    validateResource: (args, report) => {
      if (args.type !== SECURITY_GROUP) return;
      for (const m of sshOpenToWorld(args.props.ingresses)) report(m);
    },
  },
  {
    name: 'boot-disk-min-size',
    description: `Compute instances need a boot disk of at least ${MIN_BOOT_DISK_GB} GB.`,
    enforcementLevel: 'mandatory',
    validateResource: (args, report) => {
      if (args.type !== INSTANCE) return;
      for (const m of bootDiskTooSmall(args.props)) report(m);
    },
  },
  {
    name: 'no-plaintext-secret-outputs',
    description: 'Stack outputs must not expose passwords, tokens or keys in plain text.',
    enforcementLevel: 'mandatory',
    validateStack: (args, report) => {
      for (const r of args.resources) {
        if (r.type !== 'pulumi:pulumi:Stack') continue;
        for (const m of plaintextSecretOutputs(r.props)) report(m, r.urn);
      }
    },
  },
];
