import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChallTestSrv } from './challtestsrv.js';
import {
  type CloudflareApiError,
  cloudflareErrors,
  sendError,
  sendGatewayError,
  sendResult,
} from './cloudflare-envelope.js';

/** What a token may do, for tokens other than the full-access `token`. */
export interface CloudflareTokenScope {
  /** Zones the token sees (default: all). A zone-scoped token lists only its zones. */
  zones?: string[];
  /** False: `GET /zones` answers 403, as for a token without Zone:Read. Default true. */
  canListZones?: boolean;
  /** False: creating and deleting records answers 403 (no Zone:DNS:Edit). Default true. */
  canEditDns?: boolean;
}

/** Options of {@link startCloudflareFake}: its tokens, zones and imitated behaviours. */
export interface CloudflareFakeOptions {
  /** Bearer token with access to every zone. */
  token: string;
  /** More tokens with a limited scope. */
  tokens?: Record<string, CloudflareTokenScope>;
  /** Zone apex names, e.g. `['example.com']`. */
  zones: string[];
  /** Where TXT records are mirrored so they resolve in DNS (and Pebble can validate). */
  challtestsrv?: Pick<ChallTestSrv, 'setTxt' | 'clearTxt'>;
  /** Upper bound on `per_page` (the real API's defaults: zones 20, records 100). */
  maxPerPage?: number;
  /** How TXT `content` is returned: as sent (default), always quoted or always unquoted. */
  txtContent?: 'as-sent' | 'quoted' | 'unquoted';
  /** Delay before a change reaches challtestsrv, to imitate slow propagation. */
  propagationDelayMs?: number;
}

/** A DNS record as the fake stores it (and returns it, shaped like Cloudflare's). */
export interface FakeDnsRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  comment: string | null;
  proxied: boolean;
  proxiable: boolean;
  created_on: string;
  modified_on: string;
}

/** One request the fake answered, for assertions on what a provider sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
}

/** How an injected failure answers (see {@link CloudflareFake.failNext}). */
export interface FailureInjection {
  /** 429 (with `Retry-After`) or a 5xx. */
  status: number;
  retryAfterSeconds?: number;
  /** Only requests whose method matches, e.g. `'POST'`. */
  method?: string;
}

/** A running fake of the Cloudflare API v4 subset DNS-01 needs. */
export interface CloudflareFake {
  /** Base URL to give the provider, e.g. `http://127.0.0.1:PORT/client/v4`. */
  readonly apiUrl: string;
  zoneId(zoneName: string): string;
  /** Every record in every zone (or one zone), unquoted TXT content in `value`. */
  records(zoneName?: string): Array<FakeDnsRecord & { value: string }>;
  /** Adds a record as if created elsewhere (the provider must never delete it). */
  addRecord(zoneName: string, record: { name: string; type: string; content: string }): string;
  /** The next `count` requests (matching `method`) fail as described. */
  failNext(count: number, failure: FailureInjection): void;
  readonly requests: readonly RecordedRequest[];
  /** How many requests matched `method` and a path prefix or pattern. */
  countRequests(filter?: { method?: string; path?: string | RegExp }): number;
  /** Resolves once every pending write to challtestsrv is done. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface Zone {
  id: string;
  name: string;
  records: Map<string, FakeDnsRecord>;
}

interface TokenGrant {
  zones: Set<string>;
  canListZones: boolean;
  canEditDns: boolean;
}

interface Context {
  options: CloudflareFakeOptions;
  zonesById: Map<string, Zone>;
  zonesByName: Map<string, Zone>;
  mirror: (name: string) => void;
  /** Aborted on close: pending delayed mirror writes are dropped. */
  closing: AbortSignal;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: CloudflareApiError[],
  ) {
    super(errors[0]?.message ?? String(status));
  }
}

/**
 * Starts a node:http fake of Cloudflare API v4 on 127.0.0.1: the response envelope, Bearer
 * token checks with Cloudflare's error codes, zones by name, DNS records with pagination
 * and filters, and injected 429/5xx failures. TXT records are mirrored into challtestsrv.
 */
export async function startCloudflareFake(options: CloudflareFakeOptions): Promise<CloudflareFake> {
  const zonesById = new Map<string, Zone>();
  const zonesByName = new Map<string, Zone>();
  for (const name of options.zones) {
    const zone = { id: randomId(), name: name.toLowerCase(), records: new Map() };
    zonesById.set(zone.id, zone);
    zonesByName.set(zone.name, zone);
  }

  const requests: RecordedRequest[] = [];
  const failures: Array<FailureInjection & { remaining: number }> = [];
  const mirrorChains = new Map<string, Promise<void>>();
  const mirror = (name: string) => {
    const previous = mirrorChains.get(name) ?? Promise.resolve();
    const next = previous.then(() => mirrorName(context, name));
    mirrorChains.set(name, next);
  };
  const closing = new AbortController();
  const context: Context = { options, zonesById, zonesByName, mirror, closing: closing.signal };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    res.on('finish', () => {
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        status: res.statusCode,
      });
    });

    const failure = takeFailure(failures, req.method ?? '');
    if (failure !== undefined) {
      sendFailure(res, failure);
      return;
    }
    handle(context, req, res, url).catch((error: unknown) => {
      if (error instanceof HttpFailure) {
        sendError(res, error.status, error.errors);
        return;
      }
      sendError(res, 500, [{ code: 10001, message: String(error) }]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/client/v4`,
    zoneId: (name) => requireZone(zonesByName, name).id,
    records: (zoneName) => listAll(context, zoneName),
    addRecord(zoneName, record) {
      const zone = requireZone(zonesByName, zoneName);
      return createRecord(context, zone, { ...record, ttl: 1 }).id;
    },
    failNext(count, failure) {
      failures.push({ ...failure, remaining: count });
    },
    requests,
    countRequests(filter = {}) {
      return requests.filter((r) => matchesRequest(r, filter)).length;
    },
    async settled() {
      await Promise.all(mirrorChains.values());
    },
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(mirrorChains.values());
    },
  };
}

async function handle(context: Context, req: IncomingMessage, res: ServerResponse, url: URL) {
  const grant = authenticate(context, req.headers.authorization);
  const parts = url.pathname
    .replace(/^\/client\/v4\/?/, '')
    .split('/')
    .filter(Boolean);
  const method = req.method ?? 'GET';

  if (parts.length === 1 && parts[0] === 'zones' && method === 'GET') {
    listZones(context, grant, url, res);
    return;
  }
  if (parts[0] !== 'zones' || parts[1] === undefined) {
    throw new HttpFailure(404, [{ code: 7000, message: 'No route for that URI' }]);
  }

  const zone = findVisibleZone(context, grant, parts[1], url.pathname);
  if (parts.length === 2 && method === 'GET') {
    sendResult(res, zoneJson(zone));
    return;
  }
  if (parts[2] === 'dns_records' && parts.length === 3 && method === 'GET') {
    listRecords(context, zone, url, res);
    return;
  }
  if (parts[2] === 'dns_records' && parts.length === 3 && method === 'POST') {
    requireDnsEdit(grant);
    const record = createRecord(context, zone, validateRecordBody(zone, await readJson(req)));
    sendResult(res, presentRecord(context, record));
    return;
  }
  if (parts[2] === 'dns_records' && parts.length === 4 && method === 'DELETE') {
    requireDnsEdit(grant);
    deleteRecord(context, zone, parts[3] ?? '');
    sendResult(res, { id: parts[3] });
    return;
  }
  throw new HttpFailure(405, [{ code: 10405, message: `Method ${method} not allowed` }]);
}

function authenticate(context: Context, header: string | undefined): TokenGrant {
  if (header === undefined || header === '') {
    throw failure(cloudflareErrors.missingAuth);
  }

  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
  if (match === null) {
    throw failure(cloudflareErrors.badAuthFormat);
  }

  const token = match[1];
  const allZones = [...context.zonesByName.keys()];
  if (token === context.options.token) {
    return { zones: new Set(allZones), canListZones: true, canEditDns: true };
  }
  const scope = token === undefined ? undefined : context.options.tokens?.[token];
  if (scope === undefined) {
    throw failure(cloudflareErrors.invalidToken);
  }
  return {
    zones: new Set((scope.zones ?? allZones).map((zone) => zone.toLowerCase())),
    canListZones: scope.canListZones ?? true,
    canEditDns: scope.canEditDns ?? true,
  };
}

function listZones(context: Context, grant: TokenGrant, url: URL, res: ServerResponse): void {
  if (!grant.canListZones) {
    throw failure(cloudflareErrors.unauthorized);
  }

  const name = url.searchParams.get('name')?.toLowerCase();
  const zones = [...context.zonesByName.values()].filter(
    (zone) => grant.zones.has(zone.name) && (name === undefined || zone.name === name),
  );
  const page = paginate(context, zones, url, 20);
  sendResult(res, page.items.map(zoneJson), page.info);
}

function findVisibleZone(context: Context, grant: TokenGrant, id: string, path: string): Zone {
  const zone = context.zonesById.get(id);
  if (zone === undefined) {
    throw new HttpFailure(400, [
      {
        code: 7003,
        message: `Could not route to ${path}, perhaps your object identifier is invalid?`,
      },
    ]);
  }
  if (!grant.zones.has(zone.name)) {
    throw failure(cloudflareErrors.unauthorized);
  }
  return zone;
}

function requireDnsEdit(grant: TokenGrant): void {
  if (!grant.canEditDns) {
    throw failure(cloudflareErrors.authentication);
  }
}

function listRecords(context: Context, zone: Zone, url: URL, res: ServerResponse): void {
  const name = url.searchParams.get('name')?.toLowerCase();
  const type = url.searchParams.get('type')?.toUpperCase();
  const content = url.searchParams.get('content');
  const records = [...zone.records.values()].filter(
    (record) =>
      (name === undefined || record.name === name) &&
      (type === undefined || record.type === type) &&
      (content === null || record.content === content || unquote(record.content) === content),
  );
  const page = paginate(context, records, url, 100);
  sendResult(
    res,
    page.items.map((record) => presentRecord(context, record)),
    page.info,
  );
}

function validateRecordBody(zone: Zone, body: unknown) {
  const input = (body ?? {}) as Record<string, unknown>;
  const { type, name, content } = input;
  const ttl = input.ttl ?? 1;
  if (typeof type !== 'string' || typeof name !== 'string' || typeof content !== 'string') {
    throw new HttpFailure(400, [
      { code: 9000, message: 'DNS record type, name and content are required' },
    ]);
  }

  const fqdn = name.toLowerCase().replace(/\.$/, '');
  if (fqdn !== zone.name && !fqdn.endsWith(`.${zone.name}`)) {
    throw new HttpFailure(400, [
      { code: 9005, message: `Name ${name} is not in zone ${zone.name}` },
    ]);
  }
  if (typeof ttl !== 'number' || (ttl !== 1 && (ttl < 60 || ttl > 86400))) {
    throw new HttpFailure(400, [
      {
        code: 9021,
        message: 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.',
      },
    ]);
  }
  const comment = typeof input.comment === 'string' ? input.comment : null;
  return { type: type.toUpperCase(), name: fqdn, content, ttl, comment };
}

function createRecord(
  context: Context,
  zone: Zone,
  input: { type: string; name: string; content: string; ttl: number; comment?: string | null },
): FakeDnsRecord {
  const name = input.name.toLowerCase();
  for (const existing of zone.records.values()) {
    const sameContent = unquote(existing.content) === unquote(input.content);
    if (existing.name === name && existing.type === input.type && sameContent) {
      throw failure(cloudflareErrors.identicalRecord);
    }
  }

  const now = new Date().toISOString();
  const record: FakeDnsRecord = {
    id: randomId(),
    zone_id: zone.id,
    zone_name: zone.name,
    name,
    type: input.type,
    content: input.content,
    ttl: input.ttl,
    comment: input.comment ?? null,
    proxied: false,
    proxiable: false,
    created_on: now,
    modified_on: now,
  };
  zone.records.set(record.id, record);
  if (record.type === 'TXT') context.mirror(record.name);
  return record;
}

function deleteRecord(context: Context, zone: Zone, id: string): void {
  const record = zone.records.get(id);
  if (record === undefined) {
    throw failure(cloudflareErrors.recordMissing);
  }
  zone.records.delete(id);
  if (record.type === 'TXT') context.mirror(record.name);
}

/** challtestsrv can only append or clear: clear the name, then put back what remains. */
async function mirrorName(context: Context, name: string): Promise<void> {
  const dns = context.options.challtestsrv;
  if (dns === undefined) return;

  const delayMs = context.options.propagationDelayMs ?? 0;
  if (delayMs > 0) {
    try {
      await delay(delayMs, undefined, { signal: context.closing });
    } catch {
      return; // Closed while waiting: the DNS side is going away too.
    }
  }
  if (context.closing.aborted) return;

  const values = listAll(context)
    .filter((record) => record.type === 'TXT' && record.name === name)
    .map((record) => record.value);
  await dns.clearTxt(name);
  for (const value of values) {
    await dns.setTxt(name, value);
  }
}

function listAll(context: Context, zoneName?: string): Array<FakeDnsRecord & { value: string }> {
  const zones =
    zoneName === undefined
      ? [...context.zonesById.values()]
      : [requireZone(context.zonesByName, zoneName)];
  return zones.flatMap((zone) =>
    [...zone.records.values()].map((record) => ({ ...record, value: unquote(record.content) })),
  );
}

function presentRecord(context: Context, record: FakeDnsRecord): FakeDnsRecord {
  if (record.type !== 'TXT') return record;

  const mode = context.options.txtContent ?? 'as-sent';
  if (mode === 'quoted') return { ...record, content: `"${unquote(record.content)}"` };
  if (mode === 'unquoted') return { ...record, content: unquote(record.content) };
  return record;
}

function paginate<T>(context: Context, items: T[], url: URL, defaultPerPage: number) {
  const max = context.options.maxPerPage ?? 5000;
  const requested = Number(url.searchParams.get('per_page') ?? defaultPerPage);
  const perPage = Math.max(1, Math.min(max, Number.isFinite(requested) ? requested : 20));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
  };
}

function zoneJson(zone: Zone) {
  return {
    id: zone.id,
    name: zone.name,
    status: 'active',
    paused: false,
    type: 'full',
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
  };
}

function takeFailure(
  failures: Array<FailureInjection & { remaining: number }>,
  method: string,
): FailureInjection | undefined {
  const index = failures.findIndex((f) => f.method === undefined || f.method === method);
  const found = failures[index];
  if (found === undefined) return undefined;

  found.remaining -= 1;
  if (found.remaining <= 0) failures.splice(index, 1);
  return found;
}

function sendFailure(res: ServerResponse, injected: FailureInjection): void {
  const headers: Record<string, string> = {};
  if (injected.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(injected.retryAfterSeconds);
  }
  if (injected.status === 429) {
    sendError(res, 429, [cloudflareErrors.rateLimited.error], headers);
    return;
  }
  sendGatewayError(res, injected.status, headers);
}

function matchesRequest(
  request: RecordedRequest,
  filter: { method?: string; path?: string | RegExp },
): boolean {
  if (filter.method !== undefined && request.method !== filter.method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === 'string'
    ? request.path.startsWith(filter.path)
    : filter.path.test(request.path);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpFailure(400, [{ code: 6007, message: 'Malformed JSON in request body' }]);
  }
}

function requireZone(zonesByName: Map<string, Zone>, name: string): Zone {
  const zone = zonesByName.get(name.toLowerCase());
  if (zone === undefined) throw new Error(`the fake has no zone ${name}`);
  return zone;
}

function failure(entry: { status: number; error: CloudflareApiError }): HttpFailure {
  return new HttpFailure(entry.status, [entry.error]);
}

function unquote(content: string): string {
  if (content.length >= 2 && content.startsWith('"') && content.endsWith('"')) {
    return content.slice(1, -1);
  }
  return content;
}

function randomId(): string {
  return randomBytes(16).toString('hex');
}
