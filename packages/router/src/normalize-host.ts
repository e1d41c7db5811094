import { domainToASCII } from 'node:url';

const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

const CHAR_DOT = 0x2e;
const CHAR_HYPHEN = 0x2d;
const CHAR_COLON = 0x3a;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_A = 0x61;
const CHAR_Z = 0x7a;

/**
 * Normalises a host as it arrives in a Host header, an SNI name or a config key:
 * lowercase, port stripped, trailing dot stripped, IDN converted to punycode.
 *
 * Returns `undefined` for anything that is not a valid DNS name or IP literal, so
 * callers on the hot path can answer 400/404 without a try/catch.
 * A leading `*.` label is kept only when `allowWildcard` is set (config keys).
 *
 * A host that is already canonical (the common case on the hot path) is returned as
 * the same string after one scan, without allocating.
 */
export function normalizeHost(
  input: string,
  options?: { allowWildcard?: boolean },
): string | undefined {
  if (isCanonicalName(input)) return input;

  return normalizeSlow(input, options?.allowWildcard === true);
}

/** True when `name` is a one-label wildcard such as `*.example.com`. */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*.');
}

function normalizeSlow(input: string, allowWildcard: boolean): string | undefined {
  let host = stripPort(input);
  if (host === undefined || host.length === 0) return undefined;

  if (host.startsWith('[')) return host.endsWith(']') ? host.toLowerCase() : undefined;

  if (host.endsWith('.')) host = host.slice(0, -1);
  host = host.toLowerCase();

  let wildcard = false;
  if (host.startsWith('*.')) {
    if (!allowWildcard) return undefined;
    wildcard = true;
    host = host.slice(2);
  }

  if (!isAscii(host)) {
    host = domainToASCII(host);
    if (host.length === 0) return undefined;
  }

  if (!isCanonicalName(host)) return undefined;
  return wildcard ? `*.${host}` : host;
}

function stripPort(input: string): string | undefined {
  if (input.startsWith('[')) {
    const end = input.indexOf(']');
    if (end === -1) return undefined;
    if (end + 1 < input.length && !isPortSuffix(input, end + 1)) return undefined;
    return input.slice(0, end + 1);
  }

  const colon = input.indexOf(':');
  if (colon === -1) return input;
  if (!isPortSuffix(input, colon)) return undefined;
  return input.slice(0, colon);
}

/** True when `input` from `start` is `:` followed by 1-5 digits and nothing else. */
function isPortSuffix(input: string, start: number): boolean {
  const digits = input.length - start - 1;
  if (input.charCodeAt(start) !== CHAR_COLON || digits < 1 || digits > 5) return false;

  for (let i = start + 1; i < input.length; i++) {
    if (!isDigit(input.charCodeAt(i))) return false;
  }
  return true;
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/**
 * True when `host` is a lowercase DNS name (labels of `a-z0-9-`, 1-63 characters,
 * no hyphen at either end, 253 characters at most, no trailing dot) or a dotted IPv4
 * address with octets up to 255. One pass, no allocation.
 */
function isCanonicalName(host: string): boolean {
  const length = host.length;
  if (length === 0 || length > MAX_HOST_LENGTH) return false;

  let labelStart = 0;
  let labels = 0;
  let numeric = true;
  for (let i = 0; i <= length; i++) {
    const code = i === length ? CHAR_DOT : host.charCodeAt(i);
    if (code === CHAR_DOT) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > MAX_LABEL_LENGTH) return false;
      if (host.charCodeAt(labelStart) === CHAR_HYPHEN) return false;
      if (host.charCodeAt(i - 1) === CHAR_HYPHEN) return false;
      labels++;
      labelStart = i + 1;
      continue;
    }

    if (isDigit(code)) continue;
    numeric = false;
    if ((code < CHAR_A || code > CHAR_Z) && code !== CHAR_HYPHEN) return false;
  }

  return numeric && labels === 4 ? isIpv4(host) : true;
}

function isIpv4(host: string): boolean {
  let octet = 0;
  let digits = 0;
  for (let i = 0; i <= host.length; i++) {
    const code = i === host.length ? CHAR_DOT : host.charCodeAt(i);
    if (code === CHAR_DOT) {
      if (digits > 3 || octet > 255) return false;
      octet = 0;
      digits = 0;
      continue;
    }
    octet = octet * 10 + (code - CHAR_0);
    digits++;
  }
  return true;
}

function isDigit(code: number): boolean {
  return code >= CHAR_0 && code <= CHAR_9;
}
