export type { DnsProviderConformanceOptions } from './conformance/dns-provider-conformance.js';
export { describeDnsProviderConformance } from './conformance/dns-provider-conformance.js';
