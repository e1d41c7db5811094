import { NexoAcmeError } from './errors.js';

const LABEL = /^[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Lowercases, strips a trailing dot, validates and de-duplicates certificate names,
 * keeping their order. A wildcard is allowed only as the whole leftmost label of a name
 * with at least two more labels (`*.example.com`). Throws `INVALID_NAME` naming the name.
 */
export function normalizeCertificateNames(names: readonly string[]): string[] {
  if (names.length === 0) {
    throw new NexoAcmeError('INVALID_NAME', 'no names given: pass at least one host name');
  }

  const result: string[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase().replace(/\.$/, '');
    const problem = describeProblem(name);
    if (problem !== undefined) {
      throw new NexoAcmeError('INVALID_NAME', `invalid certificate name "${raw}": ${problem}`);
    }
    if (!result.includes(name)) result.push(name);
  }
  return result;
}

function describeProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 253) return 'it is longer than 253 characters';
  if (/^[0-9.]+$/.test(name) || name.includes(':')) {
    return 'IP addresses cannot be validated with DNS-01';
  }

  const labels = name.split('.');
  if (labels.length < 2) return 'it needs at least two labels, e.g. example.com';
  for (const [index, label] of labels.entries()) {
    if (label === '*') {
      if (index !== 0) return 'a wildcard must be the leftmost label';
      if (labels.length < 3) return 'a wildcard needs a domain below a TLD, e.g. *.example.com';
      continue;
    }
    if (!LABEL.test(label)) return `label "${label}" is not a valid DNS label`;
  }
  return undefined;
}
