/** Policy pack entry: `pulumi preview|up --policy-pack infra-code/policy`. */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('shagram', { policies });
