/** One DNS record as the provider interface sees it. */
export interface DnsRecord {
  /** Fully qualified name without the trailing dot, e.g. `_acme-challenge.example.com`. */
  name: string;
  type: 'TXT';
  /** The record value, unquoted. */
  value: string;
  /** Time to live in seconds; providers may round it to what they support. */
  ttlSeconds?: number;
  /** Provider-specific id, set on records returned by `appendRecords`. */
  id?: string;
}

/** Per-call options of every {@link DnsProvider} method. */
export interface DnsProviderCallOptions {
  signal?: AbortSignal;
}

/**
 * The smallest surface a DNS host must offer for DNS-01.
 *
 * Contract (the conformance suite checks it):
 * - `findZone(name)` returns the zone (apex, without trailing dot) that holds `name`,
 *   or rejects with a `DnsProviderError` of code `ZONE_NOT_FOUND`.
 * - `appendRecords` adds records without touching existing ones, even with the same
 *   name and type (apex and wildcard need two TXT values at one name). It returns the
 *   records as created, with their `id`s.
 * - `deleteRecords` deletes exactly the given records (matched by `id` when present,
 *   else by name, type and value) and nothing else. Deleting a missing record succeeds.
 * - All methods may be called concurrently and honour `signal`.
 */
export interface DnsProvider {
  findZone(name: string, options?: DnsProviderCallOptions): Promise<string>;
  appendRecords(
    zone: string,
    records: readonly DnsRecord[],
    options?: DnsProviderCallOptions,
  ): Promise<DnsRecord[]>;
  deleteRecords(
    zone: string,
    records: readonly DnsRecord[],
    options?: DnsProviderCallOptions,
  ): Promise<void>;
}
