import { isIP } from 'node:net';

/** One certificate Nexo manages: its storage name and the names it must cover. */
export interface PlannedCertificate {
  /**
   * The name the certificate is stored under: the wildcard (`*.example.com`) for a
   * wildcard certificate, else the host. Matches the original nexo's file names.
   */
  name: string;
  /** Every name in the order, the certificate's own name first, then sorted. */
  domains: string[];
}

export interface PlanCertificatesOptions {
  /** Every configured host (proxy and redirect keys), already normalised. */
  hosts: readonly string[];
  /** The listed wildcards (`*.example.com`), already normalised. */
  wildcards: readonly string[];
}

/**
 * Chooses the fewest certificates that cover every configured host.
 *
 * A host whose first label can be replaced by `*` to give a listed wildcard (or a
 * wildcard that is itself a host key) is covered by that wildcard's certificate; the
 * wildcard's apex joins the same order when it is also a host. Every other host gets a
 * certificate of its own. Listed wildcards that no host needs are not requested, and IP
 * addresses are left out (DNS-01 cannot prove control of one).
 * The result is sorted by name so that plans compare equal across reloads.
 */
export function planCertificates(options: PlanCertificatesOptions): PlannedCertificate[] {
  const hosts = new Set(options.hosts.filter((host) => !isIpAddressHost(host)));
  const wildcards = new Set(options.wildcards);
  for (const host of hosts) {
    if (host.startsWith('*.')) wildcards.add(host);
  }

  const orders = new Map<string, Set<string>>();
  for (const host of hosts) {
    const wildcard = coveringWildcard(host, wildcards);
    const name = wildcard ?? host;
    const domains = orders.get(name) ?? new Set([name]);
    domains.add(host);
    orders.set(name, domains);
  }

  for (const [name, domains] of orders) {
    if (!name.startsWith('*.')) continue;
    const apex = name.slice(2);
    // Only an apex that would otherwise get a certificate of its own joins the order.
    if (!orders.has(apex)) continue;
    domains.add(apex);
    orders.delete(apex);
  }

  return [...orders.entries()]
    .map(([name, domains]) => ({ name, domains: orderDomains(name, domains) }))
    .sort((a, b) => compare(a.name, b.name));
}

/** True for an IPv4 or IPv6 literal (`[::1]` form included). */
export function isIpAddressHost(host: string): boolean {
  return isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0;
}

/** The wildcard that covers `host`, when one is listed; a wildcard covers itself. */
function coveringWildcard(host: string, wildcards: ReadonlySet<string>): string | undefined {
  if (host.startsWith('*.')) return host;

  const dot = host.indexOf('.');
  if (dot === -1) return undefined;
  const candidate = `*${host.slice(dot)}`;
  return wildcards.has(candidate) ? candidate : undefined;
}

function orderDomains(name: string, domains: ReadonlySet<string>): string[] {
  const wildcardCovered = name.startsWith('*.');
  const rest = [...domains].filter((domain) => {
    if (domain === name) return false;
    // Hosts under the wildcard are covered by the wildcard name itself.
    return !(wildcardCovered && domain !== name.slice(2));
  });
  return [name, ...rest.sort(compare)];
}

function compare(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
