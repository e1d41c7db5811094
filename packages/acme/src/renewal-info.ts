import { X509Certificate } from 'node:crypto';
import { NexoAcmeError } from './errors.js';

/** A CA's suggested renewal window for one certificate (RFC 9773, ACME ARI). */
export interface RenewalInfo {
  suggestedWindow: { start: Date; end: Date };
  /** Why the window moved (e.g. a revocation incident), when the CA says. */
  explanationUrl?: string;
  /** When to ask again, from the CA's `Retry-After`. */
  retryAfterMs?: number;
}

interface Tlv {
  tag: number;
  contentStart: number;
  end: number;
}

/**
 * The ARI certificate identifier: base64url of the Authority Key Identifier's key id, a
 * dot, and base64url of the serial number's DER content bytes.
 */
export function renewalCertId(certificatePem: string): string {
  const der = new X509Certificate(certificatePem).raw;
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.contentStart);
  const fields = children(der, tbs);

  // The optional [0] version comes first; the serial number is the first INTEGER.
  const serial = fields.find((field) => field.tag === 0x02);
  const extensionsWrapper = fields.find((field) => field.tag === 0xa3);
  const keyId = extensionsWrapper && authorityKeyId(der, extensionsWrapper);
  if (serial === undefined || keyId === undefined) {
    throw new NexoAcmeError(
      'ARI_UNSUPPORTED_CERTIFICATE',
      'the certificate has no Authority Key Identifier: ARI cannot identify it',
    );
  }
  const serialBytes = der.subarray(serial.contentStart, serial.end);
  return `${keyId.toString('base64url')}.${serialBytes.toString('base64url')}`;
}

/** Parses a renewalInfo response body; rejects one without a usable window. */
export function parseRenewalInfo(body: unknown, retryAfterMs: number | undefined): RenewalInfo {
  const window = (body as { suggestedWindow?: { start?: unknown; end?: unknown } } | undefined)
    ?.suggestedWindow;
  const start = new Date(String(window?.start));
  const end = new Date(String(window?.end));
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) {
    throw new NexoAcmeError(
      'ARI_INVALID_RESPONSE',
      'the CA answered renewalInfo without a valid suggestedWindow; fall back to the ' +
        "certificate's own lifetime",
    );
  }

  const explanationUrl = (body as { explanationURL?: unknown }).explanationURL;
  return {
    suggestedWindow: { start, end },
    ...(typeof explanationUrl === 'string' ? { explanationUrl } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

const AKI_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);

function authorityKeyId(der: Buffer, wrapper: Tlv): Buffer | undefined {
  const list = readTlv(der, wrapper.contentStart);
  for (const extension of children(der, list)) {
    const [oid, ...rest] = children(der, extension);
    if (oid === undefined || !der.subarray(oid.contentStart - 2, oid.end).equals(AKI_OID)) {
      continue;
    }
    const value = rest.find((field) => field.tag === 0x04);
    if (value === undefined) return undefined;
    const aki = readTlv(der, value.contentStart);
    const keyId = children(der, aki).find((field) => field.tag === 0x80);
    return keyId && der.subarray(keyId.contentStart, keyId.end);
  }
  return undefined;
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const result: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset);
    result.push(child);
    offset = child.end;
  }
  return result;
}

/** Reads one DER tag-length-value (single-byte tags, definite lengths). */
function readTlv(der: Buffer, offset: number): Tlv {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw malformed();

  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const bytes = first & 0x7f;
    if (bytes === 0 || bytes > 4) throw malformed();
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
    contentStart += bytes;
  }
  const end = contentStart + length;
  if (end > der.length) throw malformed();
  return { tag, contentStart, end };
}

function malformed(): NexoAcmeError {
  return new NexoAcmeError('ARI_UNSUPPORTED_CERTIFICATE', 'the certificate DER is malformed');
}
