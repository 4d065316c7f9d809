/** The public names in Cloud DNS: the zone (created, or an existing one) and an A record per name. */
import * as pulumi from '@pulumi/pulumi';
import { absoluteName, aRecords, RECORD_TTL, YANDEX_NAME_SERVERS } from '../../plan/dns';
import * as yandex from '../../common/yandex';

/** Inputs of `DnsRecords`. */
export interface DnsRecordsArgs {
  folderId: string;
  /** The domain the names live in. */
  domain: string;
  /** An existing zone of that domain; absent: a public zone is created. */
  zoneId?: string;
  /** The names, by key (chat, jenkins, registry). */
  hosts: Record<string, string>;
  /** The address every name points at. */
  address: pulumi.Input<string>;
}

/** A records for the platform's names, pointing at the VPS. */
export class DnsRecords extends pulumi.ComponentResource {
  readonly zone?: yandex.DnsZone;
  readonly records: yandex.DnsRecordSet[];
  /** Where the domain must be delegated at its registrar (a created public zone); empty for an existing zone. */
  readonly nameServers: string[];

  /** Registers the zone (when created) and the records. */
  constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:infra:DnsRecords', name, {}, opts);
    const child = { parent: this };
    let zoneId: pulumi.Input<string>;
    if (args.zoneId) {
      zoneId = args.zoneId;
      this.nameServers = [];
    } else {
      this.zone = new yandex.DnsZone(
        `${name}-zone`,
        { zone: absoluteName(args.domain), public: true, name: `${name}-zone`, folderId: args.folderId, labels: { app: 'shagram' } },
        child,
      );
      zoneId = this.zone.id;
      this.nameServers = [...YANDEX_NAME_SERVERS];
    }
    this.records = aRecords(args.domain, args.hosts).map(
      (r) => new yandex.DnsRecordSet(`${name}-${r.key}`, { zoneId, name: r.fqdn, type: 'A', ttl: RECORD_TTL, datas: [args.address] }, child),
    );
    this.registerOutputs({ nameServers: this.nameServers });
  }
}
