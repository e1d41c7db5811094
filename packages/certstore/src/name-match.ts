import { normalizeHost } from '@nexo/router';

/**
 * The one-label wildcard that would cover `host`: `a.example.com` gives
 * `*.example.com`. `undefined` for single-label names and IP literals.
 */
export function wildcardFor(host: string): string | undefined {
  if (host.startsWith('[') || /^[\d.]+$/.test(host)) return undefined;

  const dot = host.indexOf('.');
  if (dot <= 0 || dot === host.length - 1) return undefined;
  return `*${host.slice(dot)}`;
}

/**
 * Whether a certificate for `names` is valid for `host`: `host` is normalised (case,
 * port, trailing dot, IDN), then matched exactly or by a one-label wildcard
 * (`*.example.com` covers `a.example.com`, not `a.b.example.com` nor `example.com`).
 * The app answers 421 Misdirected Request when this is false for a request's Host.
 */
export function certificateCovers(names: readonly string[], host: string): boolean {
  const normalized = normalizeHost(host);
  if (normalized === undefined) return false;

  const wildcard = wildcardFor(normalized);
  return names.some((name) => {
    const lower = name.toLowerCase();
    return lower === normalized || (wildcard !== undefined && lower === wildcard);
  });
}
