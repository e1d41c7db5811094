import { domainToASCII } from 'node:url';

const MAX_HOST_LENGTH = 253;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/**
 * Normalises a host as it arrives in a Host header, an SNI name or a config key:
 * lowercase, port stripped, trailing dot stripped, IDN converted to punycode.
 *
 * Returns `undefined` for anything that is not a valid DNS name or IP literal, so
 * callers on the hot path can answer 400/404 without a try/catch.
 * A leading `*.` label is kept only when `allowWildcard` is set (config keys).
 */
export function normalizeHost(
  input: string,
  options?: { allowWildcard?: boolean },
): string | undefined {
  let host = stripPort(input);
  if (host === undefined || host.length === 0) return undefined;

  if (host.startsWith('[')) return host.endsWith(']') ? host.toLowerCase() : undefined;

  if (host.endsWith('.')) host = host.slice(0, -1);
  host = host.toLowerCase();

  let wildcard = false;
  if (host.startsWith('*.')) {
    if (options?.allowWildcard !== true) return undefined;
    wildcard = true;
    host = host.slice(2);
  }

  if (!isAscii(host)) {
    host = domainToASCII(host);
    if (host.length === 0) return undefined;
  }

  if (!isValidName(host)) return undefined;
  return wildcard ? `*.${host}` : host;
}

/** True when `name` is a one-label wildcard such as `*.example.com`. */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*.');
}

function stripPort(input: string): string | undefined {
  if (input.startsWith('[')) {
    const end = input.indexOf(']');
    if (end === -1) return undefined;
    const rest = input.slice(end + 1);
    if (rest.length > 0 && !/^:\d{1,5}$/.test(rest)) return undefined;
    return input.slice(0, end + 1);
  }

  const colon = input.indexOf(':');
  if (colon === -1) return input;
  if (input.indexOf(':', colon + 1) !== -1) return undefined;

  const port = input.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port)) return undefined;
  return input.slice(0, colon);
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

function isValidName(host: string): boolean {
  if (host.length > MAX_HOST_LENGTH) return false;
  if (IPV4.test(host)) return host.split('.').every((part) => Number(part) <= 255);

  const labels = host.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return false;
  }
  return true;
}
