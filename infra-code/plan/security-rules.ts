/** The VPS firewall: the one place that decides which ports face the internet. */

/** One security-group rule in the provider's shape (VpcSecurityGroupIngress / VpcSecurityGroupEgress). */
export interface SgRule {
  protocol: 'TCP' | 'UDP' | 'ICMP' | 'ANY';
  port?: number;
  fromPort?: number;
  toPort?: number;
  v4CidrBlocks: string[];
}

/** Anywhere on the IPv4 internet. */
export const ANYWHERE = '0.0.0.0/0';

/**
 * Ingress: SSH (22) only from the admin CIDRs and from the VPS's own public address, HTTP (80) and HTTPS (443) from
 * anywhere, nothing else (Jenkins 8081 and Harbor 8085 are reached only through the TLS edge). The own address is
 * there for Jenkins: its `pulumi up` runs on this VPS and reaches the host over SSH at the public address, which
 * arrives from that address through the one-to-one NAT. Pure.
 */
export function ingressRules(adminCidrs: readonly string[], ownAddress?: string): SgRule[] {
  if (adminCidrs.length === 0) throw new Error('ingressRules: at least one admin CIDR is needed for SSH');
  if (adminCidrs.some((c) => c.endsWith('/0'))) throw new Error('ingressRules: SSH must not be open to the whole internet');
  if (ownAddress !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(ownAddress)) throw new Error(`ingressRules: "${ownAddress}" is not an IPv4 address`);
  const ssh = ownAddress === undefined || adminCidrs.includes(`${ownAddress}/32`) ? [...adminCidrs] : [...adminCidrs, `${ownAddress}/32`];
  return [
    { protocol: 'TCP', port: 22, v4CidrBlocks: ssh },
    { protocol: 'TCP', port: 80, v4CidrBlocks: [ANYWHERE] },
    { protocol: 'TCP', port: 443, v4CidrBlocks: [ANYWHERE] },
  ];
}

/** Egress: everything (apt, Docker registries, Let's Encrypt, GitHub). Pure. */
export function egressRules(): SgRule[] {
  return [{ protocol: 'ANY', fromPort: 0, toPort: 65535, v4CidrBlocks: [ANYWHERE] }];
}
