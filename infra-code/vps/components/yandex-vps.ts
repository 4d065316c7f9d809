/** The Yandex Cloud VPS: network, subnet, firewall, static IP and the instance booted with cloud-init. */
import * as pulumi from '@pulumi/pulumi';
import type { VmConfig } from '../config';
import { egressRules, ingressRules } from '../../plan/security-rules';
import * as yandex from '../../common/yandex';

/** Inputs of `YandexVps`. */
export interface YandexVpsArgs {
  folderId: string;
  zone: string;
  adminCidrs: string[];
  subnetCidr: string;
  vm: VmConfig;
  /** The `#cloud-config` document (user-data). */
  cloudInit: string;
}

/** A single VPS with its own network, security group and reserved public address. */
export class YandexVps extends pulumi.ComponentResource {
  readonly network: yandex.VpcNetwork;
  readonly subnet: yandex.VpcSubnet;
  readonly securityGroup: yandex.VpcSecurityGroup;
  readonly address: yandex.VpcAddress;
  readonly instance: yandex.ComputeInstance;
  /** The instance's static public IPv4 address. */
  readonly publicIp: pulumi.Output<string>;

  /** Creates the VPS's resources as children of this component. */
  constructor(name: string, args: YandexVpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:YandexVps', name, {}, opts);
    const child = { parent: this };
    const labels = { app: 'shagram' };

    this.network = new yandex.VpcNetwork(`${name}-net`, { name: `${name}-net`, folderId: args.folderId, labels }, child);
    this.subnet = new yandex.VpcSubnet(
      `${name}-subnet`,
      { name: `${name}-subnet`, folderId: args.folderId, networkId: this.network.id, zone: args.zone, v4CidrBlocks: [args.subnetCidr], labels },
      child,
    );
    this.address = new yandex.VpcAddress(
      `${name}-ip`,
      { name: `${name}-ip`, folderId: args.folderId, externalIpv4Address: { zoneId: args.zone }, labels },
      child,
    );
    this.publicIp = this.address.externalIpv4Address.apply((a) => a.address);
    this.securityGroup = new yandex.VpcSecurityGroup(
      `${name}-sg`,
      {
        name: `${name}-sg`,
        folderId: args.folderId,
        networkId: this.network.id,
        ingresses: this.publicIp.apply((ip) => ingressRules(args.adminCidrs, ip)),
        egresses: egressRules(),
        labels,
      },
      child,
    );
    const image = yandex.getComputeImageOutput({ family: args.vm.imageFamily, folderId: 'standard-images' }, child);

    this.instance = new yandex.ComputeInstance(
      `${name}-vm`,
      {
        name: `${name}-vm`,
        hostname: name,
        folderId: args.folderId,
        zone: args.zone,
        platformId: args.vm.platformId,
        resources: { cores: args.vm.cores, memory: args.vm.memoryGb, coreFraction: args.vm.coreFraction },
        bootDisk: {
          autoDelete: true,
          initializeParams: { imageId: image.imageId, size: args.vm.diskGb, type: args.vm.diskType },
        },
        networkInterfaces: [
          { subnetId: this.subnet.id, nat: true, natIpAddress: this.publicIp, securityGroupIds: [this.securityGroup.id] },
        ],
        schedulingPolicy: { preemptible: args.vm.preemptible },
        metadata: { 'user-data': args.cloudInit, 'enable-oslogin': 'false', 'serial-port-enable': '0' },
        allowStoppingForUpdate: true,
        labels,
      },
      // A new cloud-init document only matters at first boot: do not replace a running VPS for it.
      { ...child, ignoreChanges: ['metadata', 'bootDisk.initializeParams.imageId'] },
    );
    this.registerOutputs({ publicIp: this.publicIp });
  }
}
