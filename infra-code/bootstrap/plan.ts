/**
 * The bootstrap stack's decisions as data: which service accounts exist, which folder roles each gets, the state
 * bucket's name and the backend URL Pulumi and CI use, and the authorized-key file the Yandex provider reads.
 *
 * Two accounts, so each key can do only its own job:
 * - `shagram-deployer`: what the VPS program creates (VM and disk, network, security group, public address, DNS
 *   zone and records). Its authorized key is `yandex:serviceAccountKeyFile` of the prod stack, for the operator's
 *   `pulumi up` and Jenkins' alike.
 * - `shagram-state`: the S3 key of the state bucket (Pulumi's backend). Object Storage grants per folder, so run the
 *   bootstrap in a folder of its own when other buckets must stay out of reach.
 */

/** One service account and its folder roles. */
export interface AccountPlan {
  /** Resource name and account name. */
  name: string;
  description: string;
  roles: readonly string[];
}

/** The deployer: least roles for infra-code/vps/platform.ts on Yandex (compute, VPC incl. security groups and public addresses, Cloud DNS). */
export const DEPLOYER: AccountPlan = {
  name: 'shagram-deployer',
  description: 'pulumi up of the Shagram VPS program (operator and Jenkins)',
  roles: ['compute.editor', 'vpc.admin', 'dns.editor'],
};

/** The state bucket's account: Object Storage only. */
export const STATE: AccountPlan = {
  name: 'shagram-state',
  description: 'S3 key of the Pulumi state bucket (operator and Jenkins)',
  roles: ['storage.editor'],
};

/** Object Storage's S3 endpoint and region. */
export const STORAGE_ENDPOINT = 'storage.yandexcloud.net';
export const STORAGE_REGION = 'ru-central1';

/** The default state bucket name: globally unique through the folder id. Pure. */
export function defaultStateBucket(folderId: string): string {
  return `shagram-state-${folderId}`.toLowerCase();
}

/** Checks a bucket name against Object Storage's rules; returns the reason it is refused, or undefined. Pure. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  return undefined;
}

/** The backend URL for `pulumi login` and CI's PULUMI_BACKEND_URL. Pure. */
export function stateBackendUrl(bucket: string): string {
  return `s3://${bucket}?endpoint=${STORAGE_ENDPOINT}&region=${STORAGE_REGION}&s3ForcePathStyle=true`;
}

/** The parts of an authorized key the Yandex provider's key file holds. */
export interface AuthorizedKeyParts {
  id: string;
  serviceAccountId: string;
  createdAt: string;
  keyAlgorithm: string;
  publicKey: string;
  privateKey: string;
}

/** The key file as `yc iam key create --output key.json` writes it (what `yandex:serviceAccountKeyFile` takes). Pure. */
export function authorizedKeyJson(k: AuthorizedKeyParts): string {
  return JSON.stringify(
    {
      id: k.id,
      service_account_id: k.serviceAccountId,
      created_at: k.createdAt,
      key_algorithm: k.keyAlgorithm,
      public_key: k.publicKey,
      private_key: k.privateKey,
    },
    null,
    2,
  );
}
