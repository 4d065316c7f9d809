/** The DNS records the platform needs: one A record per public name, in a Cloud DNS zone. */

/** Yandex Cloud DNS's name servers, to which a public zone's domain is delegated at its registrar. */
export const YANDEX_NAME_SERVERS = ['ns1.yandexcloud.net.', 'ns2.yandexcloud.net.'] as const;

/** TTL of the records, seconds: short enough that a new address is seen within minutes. */
export const RECORD_TTL = 300;

/** One A record. */
export interface ARecord {
  /** Resource name suffix (chat, jenkins, registry). */
  key: string;
  /** Fully qualified name with a trailing dot. */
  fqdn: string;
}

/** `example.com` → `example.com.` (lower case). Pure. */
export function absoluteName(name: string): string {
  const n = name.toLowerCase().replace(/\.+$/, '');
  return `${n}.`;
}

/** True when `host` is `zone` or inside it. Pure. */
export function inZone(host: string, zone: string): boolean {
  const h = absoluteName(host);
  const z = absoluteName(zone);
  return h === z || h.endsWith(`.${z}`);
}

/**
 * The A records for the public names (chat, jenkins, registry), all of which must lie inside `zone`; a name outside
 * it is an error naming it (its certificate could never be issued from this zone's records). Pure.
 */
export function aRecords(zone: string, hosts: Record<string, string>): ARecord[] {
  const outside = Object.entries(hosts).filter(([, host]) => !inZone(host, zone));
  if (outside.length > 0) {
    throw new Error(`${outside.map(([, h]) => h).join(', ')} not inside the DNS zone ${absoluteName(zone)}`);
  }
  return Object.entries(hosts).map(([key, host]) => ({ key, fqdn: absoluteName(host) }));
}
