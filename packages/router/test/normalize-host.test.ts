import { describe, expect, it } from 'vitest';
import { normalizeHost } from '../src/index.js';

describe('normalizeHost', () => {
  const cases: Array<[string, string | undefined, boolean?]> = [
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['example.com:8443', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['[::1]:443', '[::1]'],
    ['*.Example.com', '*.example.com', true],
    ['*.example.com', undefined],
    ['', undefined],
    ['exa mple.com', undefined],
    ['-bad.example.com', undefined],
    ['a..b', undefined],
    ['example.com:port', undefined],
    ['example.com:1:2', undefined],
    ['999.1.1.1', undefined],
  ];

  it.each(cases)('%s -> %s', (input, expected, allowWildcard) => {
    expect(normalizeHost(input, { allowWildcard: allowWildcard === true })).toBe(expected);
  });
});
