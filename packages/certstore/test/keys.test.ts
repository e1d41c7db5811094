import { describe, expect, it } from 'vitest';
import {
  accountKeys,
  certificateKeys,
  directorySegment,
  issueLockName,
  nameFromSegment,
  nameSegment,
} from '../src/keys.js';
import { isValidStorageKey } from '../src/storage-key.js';

describe('storage keys', () => {
  it.each([
    ['https://acme-v02.api.letsencrypt.org/directory', 'acme-v02.api.letsencrypt.org-directory'],
    [
      'https://acme-staging-v02.api.letsencrypt.org/directory',
      'acme-staging-v02.api.letsencrypt.org-directory',
    ],
    ['https://127.0.0.1:14000/dir', '127.0.0.1_14000-dir'],
    ['https://[::1]:14000/dir', '___1__14000-dir'],
    ['https://CA.Example/acme/v2/directory?x=1', 'ca.example-acme-v2-directory'],
  ])('directory %s -> %s', (url, segment) => {
    expect(directorySegment(url)).toBe(segment);
  });

  it.each([
    ['example.com', 'example.com'],
    ['*.example.com', 'wildcard_.example.com'],
    ['*.Example.COM', 'wildcard_.example.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['[::1]', '___1_'],
  ])('name %s -> %s', (name, segment) => {
    expect(nameSegment(name)).toBe(segment);
    expect(isValidStorageKey(segment)).toBe(true);
  });

  it('turns wildcard segments back into names', () => {
    expect(nameFromSegment('wildcard_.example.com')).toBe('*.example.com');
    expect(nameFromSegment('example.com')).toBe('example.com');
  });

  it('builds valid keys and lock names, and rejects what cannot be a key', () => {
    const keys = certificateKeys('https://127.0.0.1:14000/dir', '*.example.com');
    const all = [
      ...Object.values(keys),
      ...Object.values(accountKeys('https://127.0.0.1:14000/dir')),
      issueLockName('https://127.0.0.1:14000/dir', '*.example.com'),
    ];

    for (const key of all) expect(isValidStorageKey(key)).toBe(true);
    expect(() => directorySegment('not a url')).toThrow(/invalid CA directory URL/);
    expect(() => nameSegment('.hidden')).toThrow(/cannot build a storage key/);
  });
});
