import type { DnsProvider, DnsProviderCallOptions, DnsRecord } from '../dns-provider.js';
import { DnsProviderError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { RetryOptions } from '../retry.js';
import {
  CLOUDFLARE_API_URL,
  type CloudflareApiOptions,
  type CloudflareRequest,
  callCloudflare,
} from './cloudflare-api.js';

/** Options of {@link CloudflareDnsProvider}; only `apiToken` is required. */
export interface CloudflareDnsProviderOptions {
  /** API token with Zone:DNS:Edit (and Zone:Zone:Read unless `zoneId` is set). Secret. */
  apiToken: string;
  /** Default: Cloudflare's real API, `https://api.cloudflare.com/client/v4`. */
  apiUrl?: string;
  /** Skip the zone lookup: all names must be in this zone. */
  zoneId?: string;
  /** TTL of created records, at least 60 (Cloudflare's minimum). Default 60. */
  ttlSeconds?: number;
  retry?: RetryOptions;
  /** Per request. Default 30 000 ms. */
  requestTimeoutMs?: number;
  logger?: Logger;
}

interface CloudflareZone {
  id: string;
  name: string;
}

interface CloudflareRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
}

const RECORD_PAGE_SIZE = 100;
const IDENTICAL_RECORD = 81058;
const RECORD_MISSING = 81044;

/**
 * DNS-01 records on Cloudflare, through API v4 with an API token.
 *
 * The zone of a name is found by asking for each parent name in turn
 * (`GET /zones?name=`), which works for a token scoped to one zone, or is fixed with
 * `zoneId`. Records are only ever added, and only the given records are deleted.
 */
export class CloudflareDnsProvider implements DnsProvider {
  readonly #api: CloudflareApiOptions;
  readonly #zoneId: string | undefined;
  readonly #ttlSeconds: number;
  readonly #logger: Logger;
  /** Zone name to zone id, filled by lookups; zones do not move while we run. */
  readonly #zoneIds = new Map<string, Promise<string>>();
  #fixedZone: Promise<CloudflareZone> | undefined;

  constructor(options: CloudflareDnsProviderOptions) {
    if (typeof options.apiToken !== 'string' || options.apiToken.trim() === '') {
      throw new DnsProviderError(
        'INVALID_CREDENTIALS',
        'the Cloudflare apiToken is empty: create an API token with Zone:DNS:Edit',
        { provider: 'cloudflare' },
      );
    }

    this.#logger = (options.logger ?? silentLogger).child({ dns_provider: 'cloudflare' });
    this.#api = {
      apiToken: options.apiToken.trim(),
      apiUrl: options.apiUrl ?? CLOUDFLARE_API_URL,
      logger: this.#logger,
      retry: { ...options.retry },
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
    this.#zoneId = options.zoneId;
    this.#ttlSeconds = Math.max(60, Math.round(options.ttlSeconds ?? 60));
  }

  async findZone(name: string, options: DnsProviderCallOptions = {}): Promise<string> {
    const fqdn = toFqdn(name);

    if (this.#zoneId !== undefined) {
      const zone = await this.#loadFixedZone(options.signal);
      if (!isInZone(fqdn, zone.name)) {
        throw zoneNotFound(`${fqdn} is not in zone ${zone.name} (the configured zoneId)`);
      }
      return zone.name;
    }

    for (const candidate of parentNames(fqdn)) {
      const zone = await this.#lookupZone(candidate, options.signal);
      if (zone !== undefined) {
        this.#zoneIds.set(zone.name, Promise.resolve(zone.id));
        return zone.name;
      }
    }
    throw zoneNotFound(
      `no Cloudflare zone holds ${fqdn}; add the zone to this account or give the ` +
        'token access to it',
    );
  }

  async appendRecords(
    zone: string,
    records: readonly DnsRecord[],
    options: DnsProviderCallOptions = {},
  ): Promise<DnsRecord[]> {
    const zoneId = await this.#zoneIdOf(zone, options.signal);
    const created: DnsRecord[] = [];

    try {
      for (const record of records) {
        created.push(await this.#createRecord(zone, zoneId, record, options.signal));
      }
    } catch (error) {
      // All or nothing: a half-presented challenge only leaves junk behind.
      await this.deleteRecords(zone, created).catch((cleanupError: unknown) => {
        this.#logger.error({ err: cleanupError, zone }, 'could not roll back created records');
      });
      throw error;
    }
    this.#logger.debug({ zone, count: created.length }, 'records appended');
    return created;
  }

  async deleteRecords(
    zone: string,
    records: readonly DnsRecord[],
    options: DnsProviderCallOptions = {},
  ): Promise<void> {
    const zoneId = await this.#zoneIdOf(zone, options.signal);

    for (const record of records) {
      const ids =
        record.id !== undefined
          ? [record.id]
          : (await this.#listRecords(zoneId, record, options.signal)).map((r) => r.id);
      for (const id of ids) {
        await this.#deleteRecord(zone, zoneId, id, options.signal);
      }
    }
    this.#logger.debug({ zone, count: records.length }, 'records deleted');
  }

  async #createRecord(
    zone: string,
    zoneId: string,
    record: DnsRecord,
    signal: AbortSignal | undefined,
  ): Promise<DnsRecord> {
    const name = toFqdn(record.name);
    let duplicate = false;
    const envelope = await callCloudflare<CloudflareRecord | undefined>(
      this.#api,
      this.#request('POST', `/zones/${zoneId}/dns_records`, signal, {
        action: `create a TXT record at ${name} in zone ${zone}`,
        body: {
          type: 'TXT',
          name,
          content: record.value,
          ttl: Math.max(this.#ttlSeconds, record.ttlSeconds ?? 0),
          comment: 'ACME DNS-01 challenge (nexo)',
        },
      }),
      (failure) => {
        // The same value is already there (a retried POST that had succeeded): adopt it.
        duplicate = failure.codes.includes(IDENTICAL_RECORD);
        return duplicate ? { value: undefined } : undefined;
      },
    );

    const result = duplicate
      ? (await this.#listRecords(zoneId, record, signal))[0]
      : envelope.result;
    if (result === undefined) {
      throw new DnsProviderError(
        'PROVIDER_REQUEST_FAILED',
        `Cloudflare reported ${name} as existing but does not list it; retry`,
        { provider: 'cloudflare' },
      );
    }
    return { name, type: 'TXT', value: record.value, ttlSeconds: result.ttl, id: result.id };
  }

  async #deleteRecord(zone: string, zoneId: string, id: string, signal?: AbortSignal) {
    await callCloudflare(
      this.#api,
      this.#request('DELETE', `/zones/${zoneId}/dns_records/${id}`, signal, {
        action: `delete record ${id} in zone ${zone}`,
      }),
      (failure) =>
        failure.codes.includes(RECORD_MISSING) || failure.status === 404
          ? { value: undefined }
          : undefined,
    );
  }

  /** TXT records at the record's name whose (unquoted) content is its value. */
  async #listRecords(zoneId: string, record: DnsRecord, signal?: AbortSignal) {
    const name = toFqdn(record.name);
    const found: CloudflareRecord[] = [];

    for (let page = 1; ; page++) {
      const envelope = await callCloudflare<CloudflareRecord[]>(
        this.#api,
        this.#request('GET', `/zones/${zoneId}/dns_records`, signal, {
          action: `list TXT records at ${name}`,
          query: { type: 'TXT', name, page: String(page), per_page: String(RECORD_PAGE_SIZE) },
        }),
      );
      found.push(...envelope.result.filter((r) => unquoteTxt(r.content) === record.value));
      const totalPages = envelope.result_info?.total_pages ?? 1;
      if (page >= totalPages || envelope.result.length === 0) return found;
    }
  }

  async #lookupZone(name: string, signal?: AbortSignal): Promise<CloudflareZone | undefined> {
    const envelope = await callCloudflare<CloudflareZone[]>(
      this.#api,
      this.#request('GET', '/zones', signal, {
        action: `look up zone ${name}`,
        query: { name, status: 'active' },
      }),
    );
    return envelope.result.find((zone) => zone.name.toLowerCase() === name);
  }

  #loadFixedZone(signal?: AbortSignal): Promise<CloudflareZone> {
    if (this.#fixedZone === undefined) {
      const pending = callCloudflare<CloudflareZone>(
        this.#api,
        this.#request('GET', `/zones/${this.#zoneId}`, signal, {
          action: `read zone ${this.#zoneId}`,
        }),
      ).then((envelope) => ({ ...envelope.result, name: envelope.result.name.toLowerCase() }));
      this.#fixedZone = pending;
      pending.catch(() => {
        this.#fixedZone = undefined;
      });
    }
    return this.#fixedZone;
  }

  #zoneIdOf(zone: string, signal?: AbortSignal): Promise<string> {
    const name = toFqdn(zone);
    if (this.#zoneId !== undefined) {
      return this.#loadFixedZone(signal).then((fixed) => {
        if (fixed.name !== name) {
          throw zoneNotFound(`zone ${name} is not the configured zone ${fixed.name}`);
        }
        return fixed.id;
      });
    }

    let pending = this.#zoneIds.get(name);
    if (pending === undefined) {
      pending = this.#lookupZone(name, signal).then((found) => {
        if (found === undefined) throw zoneNotFound(`no Cloudflare zone is named ${name}`);
        return found.id;
      });
      this.#zoneIds.set(name, pending);
      pending.catch(() => this.#zoneIds.delete(name));
    }
    return pending;
  }

  #request(
    method: CloudflareRequest['method'],
    path: string,
    signal: AbortSignal | undefined,
    rest: Pick<CloudflareRequest, 'action' | 'body' | 'query'>,
  ): CloudflareRequest {
    return { method, path, signal, ...rest };
  }
}

/** Cloudflare returns TXT content quoted or not, depending on how it was created. */
export function unquoteTxt(content: string): string {
  if (content.length >= 2 && content.startsWith('"') && content.endsWith('"')) {
    return content.slice(1, -1).replace(/"\s*"/g, '');
  }
  return content;
}

function toFqdn(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** `a.b.example.com` → `a.b.example.com`, `b.example.com`, `example.com` (no labels with `_`). */
function parentNames(name: string): string[] {
  const labels = name.split('.');
  const names: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) {
    if (labels[i]?.startsWith('_')) continue;
    names.push(labels.slice(i).join('.'));
  }
  return names;
}

function zoneNotFound(message: string): DnsProviderError {
  return new DnsProviderError('ZONE_NOT_FOUND', message, { provider: 'cloudflare' });
}
