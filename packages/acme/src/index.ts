export type { DnsProvider, DnsProviderCallOptions, DnsRecord } from './dns-provider.js';
