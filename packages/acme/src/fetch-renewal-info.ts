import type { AcmeTransport } from './acme-transport.js';
import { type AcmeProblem, AcmeProblemError, NexoAcmeError } from './errors.js';
import { parseRenewalInfo, type RenewalInfo, renewalCertId } from './renewal-info.js';
import { parseRetryAfter } from './retry.js';

/**
 * Asks the CA for its suggested renewal window of a certificate (ACME ARI, RFC 9773).
 * Resolves to `undefined` when the directory does not advertise `renewalInfo`.
 */
export async function fetchRenewalInfo(
  transport: AcmeTransport,
  directoryUrl: string,
  certificatePem: string,
): Promise<RenewalInfo | undefined> {
  const certId = renewalCertId(certificatePem);
  const directory = await get(transport, directoryUrl, 'read the ACME directory');
  const base = (directory.data as { renewalInfo?: unknown } | undefined)?.renewalInfo;
  if (typeof base !== 'string') return undefined;

  const response = await get(
    transport,
    `${base.replace(/\/$/, '')}/${certId}`,
    'read renewal info',
  );
  const retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']));
  return parseRenewalInfo(response.data, retryAfterMs);
}

async function get(transport: AcmeTransport, url: string, operation: string) {
  const response = await transport.request(url, 'get');
  if (response.status >= 200 && response.status < 300) return response;

  const problem = response.data as Partial<AcmeProblem> | undefined;
  if (typeof problem?.type === 'string') {
    throw new AcmeProblemError(problem as AcmeProblem, { status: response.status, operation });
  }
  throw new NexoAcmeError(
    'ACME_CLIENT_ERROR',
    `${operation} failed: the CA answered HTTP ${response.status}`,
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
