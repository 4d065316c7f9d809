/**
 * Typed binding for exactly the Yandex Cloud resources and the one function this program uses.
 *
 * Why this file exists: `@pulumi/yandex` (the bridged Terraform provider, resource plugin `yandex` v0.13.0) is not
 * published on the npm registry, so there is no generated SDK to import. These classes register resources with the
 * provider's own type tokens and pin `version: "0.13.0"`, so `pulumi up` installs the `yandex` resource plugin by
 * itself and the engine treats them exactly like the generated SDK's resources. Property names and types follow the
 * provider's package schema (infra-code/test/fixtures/yandex-provider-0.13.0-subset.json); the unit tests validate
 * every registered input against that schema. A generated SDK (`pulumi package gen-sdk`) can replace this one file.
 */
import * as pulumi from '@pulumi/pulumi';

/** The Yandex resource plugin version every resource and invoke pins. */
export const YANDEX_PROVIDER_VERSION = '0.13.0';

type In<T> = pulumi.Input<T>;

function withVersion(opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  return pulumi.mergeOptions(opts, { version: YANDEX_PROVIDER_VERSION });
}

/** Inputs of `yandex:index/vpcNetwork:VpcNetwork`. */
export interface VpcNetworkArgs {
  name?: In<string>;
  folderId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** A VPC network. */
export class VpcNetwork extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/vpcNetwork:VpcNetwork';
  declare readonly name: pulumi.Output<string>;
  /** Registers the network. */
  constructor(name: string, args: VpcNetworkArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(VpcNetwork.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/vpcSubnet:VpcSubnet`. */
export interface VpcSubnetArgs {
  networkId: In<string>;
  v4CidrBlocks: In<In<string>[]>;
  zone?: In<string>;
  name?: In<string>;
  folderId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** A subnet of a VPC network in one zone. */
export class VpcSubnet extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/vpcSubnet:VpcSubnet';
  declare readonly zone: pulumi.Output<string>;
  /** Registers the subnet. */
  constructor(name: string, args: VpcSubnetArgs, opts?: pulumi.CustomResourceOptions) {
    super(VpcSubnet.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** One ingress or egress rule of a security group (schema types VpcSecurityGroupIngress / VpcSecurityGroupEgress). */
export interface VpcSecurityGroupRule {
  protocol: In<string>;
  port?: In<number>;
  fromPort?: In<number>;
  toPort?: In<number>;
  v4CidrBlocks?: In<In<string>[]>;
  v6CidrBlocks?: In<In<string>[]>;
  predefinedTarget?: In<string>;
  securityGroupId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** Inputs of `yandex:index/vpcSecurityGroup:VpcSecurityGroup`. */
export interface VpcSecurityGroupArgs {
  networkId: In<string>;
  ingresses?: In<In<VpcSecurityGroupRule>[]>;
  egresses?: In<In<VpcSecurityGroupRule>[]>;
  name?: In<string>;
  folderId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** A security group: a stateful firewall attached to network interfaces. */
export class VpcSecurityGroup extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/vpcSecurityGroup:VpcSecurityGroup';
  declare readonly ingresses: pulumi.Output<VpcSecurityGroupRule[]>;
  /** Registers the security group. */
  constructor(name: string, args: VpcSecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(VpcSecurityGroup.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/vpcAddress:VpcAddress`. */
export interface VpcAddressArgs {
  externalIpv4Address?: In<{ zoneId?: In<string>; ddosProtectionProvider?: In<string>; outgoingSmtpCapability?: In<string> }>;
  name?: In<string>;
  folderId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** A reserved (static) public IP address. */
export class VpcAddress extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/vpcAddress:VpcAddress';
  declare readonly externalIpv4Address: pulumi.Output<{ address: string; zoneId: string }>;
  /** Registers the address. */
  constructor(name: string, args: VpcAddressArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(VpcAddress.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/computeInstance:ComputeInstance` (the subset used here). */
export interface ComputeInstanceArgs {
  resources: In<{ cores: In<number>; memory: In<number>; coreFraction?: In<number> }>;
  bootDisk: In<{
    autoDelete?: In<boolean>;
    initializeParams?: In<{ imageId?: In<string>; size?: In<number>; type?: In<string>; name?: In<string> }>;
  }>;
  networkInterfaces: In<
    In<{ subnetId: In<string>; nat?: In<boolean>; natIpAddress?: In<string>; securityGroupIds?: In<In<string>[]>; ipv4?: In<boolean> }>[]
  >;
  schedulingPolicy?: In<{ preemptible?: In<boolean> }>;
  metadata?: In<Record<string, In<string>>>;
  platformId?: In<string>;
  zone?: In<string>;
  name?: In<string>;
  hostname?: In<string>;
  folderId?: In<string>;
  allowStoppingForUpdate?: In<boolean>;
  labels?: In<Record<string, In<string>>>;
}

/** A virtual machine. */
export class ComputeInstance extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/computeInstance:ComputeInstance';
  declare readonly networkInterfaces: pulumi.Output<{ natIpAddress: string; ipAddress: string }[]>;
  /** Registers the instance. */
  constructor(name: string, args: ComputeInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(ComputeInstance.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Token of the image lookup function. */
export const GET_COMPUTE_IMAGE = 'yandex:index/getComputeImage:getComputeImage';

/** Inputs of `getComputeImage`. */
export interface GetComputeImageArgs {
  family?: string;
  folderId?: string;
  imageId?: string;
  name?: string;
}

/** The fields of the `getComputeImage` result this program reads. */
export interface GetComputeImageResult {
  id: string;
  imageId: string;
  family: string;
  minDiskSize: number;
}

/** Looks up an image (for example the newest of a public family such as `ubuntu-2404-lts`, folder `standard-images`). */
export function getComputeImageOutput(args: GetComputeImageArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetComputeImageResult> {
  return pulumi.runtime.invokeOutput<GetComputeImageResult>(GET_COMPUTE_IMAGE, { ...args }, { ...opts, version: YANDEX_PROVIDER_VERSION });
}

/** Inputs of `yandex:index/dnsZone:DnsZone`. */
export interface DnsZoneArgs {
  /** The zone's domain with a trailing dot, e.g. `example.com.`. */
  zone: In<string>;
  public?: In<boolean>;
  name?: In<string>;
  folderId?: In<string>;
  labels?: In<Record<string, In<string>>>;
}

/** A Cloud DNS zone. */
export class DnsZone extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/dnsZone:DnsZone';
  declare readonly zone: pulumi.Output<string>;
  /** Registers the zone. */
  constructor(name: string, args: DnsZoneArgs, opts?: pulumi.CustomResourceOptions) {
    super(DnsZone.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/dnsRecordSet:DnsRecordSet`. */
export interface DnsRecordSetArgs {
  zoneId: In<string>;
  /** The record's name, fully qualified with a trailing dot. */
  name: In<string>;
  type: In<string>;
  ttl: In<number>;
  datas: In<In<string>[]>;
}

/** A record set of a Cloud DNS zone. */
export class DnsRecordSet extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/dnsRecordSet:DnsRecordSet';
  /** Registers the record set. */
  constructor(name: string, args: DnsRecordSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(DnsRecordSet.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/iamServiceAccount:IamServiceAccount`. */
export interface IamServiceAccountArgs {
  name?: In<string>;
  description?: In<string>;
  folderId?: In<string>;
}

/** A service account (an identity for programs: the deployer, the state bucket's key). */
export class IamServiceAccount extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/iamServiceAccount:IamServiceAccount';
  declare readonly name: pulumi.Output<string>;
  /** Registers the account. */
  constructor(name: string, args: IamServiceAccountArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(IamServiceAccount.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/resourcemanagerFolderIamMember:ResourcemanagerFolderIamMember`. */
export interface ResourcemanagerFolderIamMemberArgs {
  folderId: In<string>;
  /** `serviceAccount:<id>`. */
  member: In<string>;
  role: In<string>;
  /** Seconds to wait after the binding is made (IAM changes take a moment to apply). */
  sleepAfter?: In<number>;
}

/** One role of one member on a folder (adds to the folder's bindings; removes only its own on delete). */
export class ResourcemanagerFolderIamMember extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/resourcemanagerFolderIamMember:ResourcemanagerFolderIamMember';
  /** Registers the binding. */
  constructor(name: string, args: ResourcemanagerFolderIamMemberArgs, opts?: pulumi.CustomResourceOptions) {
    super(ResourcemanagerFolderIamMember.__pulumiType, name, { ...args }, withVersion(opts));
  }
}

/** Inputs of `yandex:index/iamServiceAccountKey:IamServiceAccountKey`. */
export interface IamServiceAccountKeyArgs {
  serviceAccountId: In<string>;
  description?: In<string>;
  /** `RSA_2048` (default) or `RSA_4096`. */
  keyAlgorithm?: In<string>;
  format?: In<string>;
}

/** An authorized key: what `yandex:serviceAccountKeyFile` holds (its private key is a secret output). */
export class IamServiceAccountKey extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/iamServiceAccountKey:IamServiceAccountKey';
  declare readonly serviceAccountId: pulumi.Output<string>;
  declare readonly keyAlgorithm: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string>;
  /** Registers the key. */
  constructor(name: string, args: IamServiceAccountKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      IamServiceAccountKey.__pulumiType,
      name,
      { ...args, keyAlgorithm: args.keyAlgorithm, createdAt: undefined, publicKey: undefined, privateKey: undefined },
      pulumi.mergeOptions(withVersion(opts), { additionalSecretOutputs: ['privateKey'] }),
    );
  }
}

/** Inputs of `yandex:index/iamServiceAccountStaticAccessKey:IamServiceAccountStaticAccessKey`. */
export interface IamServiceAccountStaticAccessKeyArgs {
  serviceAccountId: In<string>;
  description?: In<string>;
}

/** An S3 access key pair of a service account (its secret key is a secret output). */
export class IamServiceAccountStaticAccessKey extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/iamServiceAccountStaticAccessKey:IamServiceAccountStaticAccessKey';
  declare readonly accessKey: pulumi.Output<string>;
  declare readonly secretKey: pulumi.Output<string>;
  /** Registers the key pair. */
  constructor(name: string, args: IamServiceAccountStaticAccessKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      IamServiceAccountStaticAccessKey.__pulumiType,
      name,
      { ...args, accessKey: undefined, secretKey: undefined },
      pulumi.mergeOptions(withVersion(opts), { additionalSecretOutputs: ['secretKey'] }),
    );
  }
}

/** Inputs of `yandex:index/storageBucket:StorageBucket` (the parts this program sets). */
export interface StorageBucketArgs {
  bucket: In<string>;
  /** The S3 key the provider creates the bucket with (Object Storage is reached through its S3 API). */
  accessKey: In<string>;
  secretKey: In<string>;
  acl?: In<string>;
  forceDestroy?: In<boolean>;
  versioning?: In<{ enabled?: In<boolean> }>;
}

/** An Object Storage bucket. */
export class StorageBucket extends pulumi.CustomResource {
  static readonly __pulumiType = 'yandex:index/storageBucket:StorageBucket';
  declare readonly bucket: pulumi.Output<string>;
  /** Registers the bucket. */
  constructor(name: string, args: StorageBucketArgs, opts?: pulumi.CustomResourceOptions) {
    super(StorageBucket.__pulumiType, name, { ...args }, withVersion(opts));
  }
}
