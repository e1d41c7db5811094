/**
 * The routing layout every proxy is configured with: 50 sites, each a wildcard
 * certificate `*.s<i>.bench.test` covering two routed hosts (`a.` and `b.`), so
 * 100 routes and 50 certificates. Load goes to TARGET_HOST; the handshake test
 * rotates through one host per certificate.
 */

export const SITE_COUNT = 50;

export const TARGET_HOST = 'a.s0.bench.test';

/**
 * @typedef {{ index: number, wildcard: string, hosts: [string, string],
 *   certFile: string, keyFile: string }} Site
 */

/**
 * @param {string} certDir directory holding `<wildcard>.crt` and `.key`
 * @returns {Site[]}
 */
export function buildSites(certDir) {
  const sites = [];
  for (let index = 0; index < SITE_COUNT; index++) {
    const wildcard = `*.s${index}.bench.test`;
    sites.push({
      index,
      wildcard,
      hosts: [`a.s${index}.bench.test`, `b.s${index}.bench.test`],
      certFile: `${certDir}/${wildcard}.crt`,
      keyFile: `${certDir}/${wildcard}.key`,
    });
  }
  return sites;
}

/** Every routed host, 100 of them. */
export function allHosts(sites) {
  return sites.flatMap((site) => site.hosts);
}
