import { BlockList, isIP } from 'node:net';
import { ProxyError } from './proxy-error.js';

const MAPPED_PREFIX = '::ffff:';

/** The peers whose X-Forwarded-* headers are believed. Built once from the options. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) addEntry(this.#list, entry);
    this.empty = entries.length === 0;
  }

  /** True when `address` (already passed through {@link plainAddress}) is trusted. */
  has(address: string): boolean {
    if (this.empty) return false;

    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** A socket address with the IPv4-mapped IPv6 prefix removed (`::ffff:1.2.3.4`). */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith(MAPPED_PREFIX) && address.includes('.')
    ? address.slice(MAPPED_PREFIX.length)
    : address;
}

function addEntry(list: BlockList, entry: string): void {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry.trim() : entry.slice(0, slash).trim();
  const family = isIP(address);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (family === 0) throw invalidEntry(entry);

  if (slash === -1) {
    list.addAddress(address, type);
    return;
  }

  const prefix = Number(entry.slice(slash + 1));
  const maxPrefix = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) throw invalidEntry(entry);
  list.addSubnet(address, prefix, type);
}

function invalidEntry(entry: string): ProxyError {
  return new ProxyError(
    'invalid_option',
    `trusted proxy ${JSON.stringify(entry)} is not an IP address or CIDR; ` +
      'write it like 10.0.0.1, 10.0.0.0/8 or fd00::/8',
  );
}
