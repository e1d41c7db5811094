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
    ['1.2.3.4', '1.2.3.4'],
    ['1.2.3', '1.2.3'],
    ['0001.2.3.4', undefined],
    ['bad-.example.com', undefined],
    ['under_score.example.com', undefined],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
    [`${'a'.repeat(64)}.example`, undefined],
    [`${'a.'.repeat(127)}com`, undefined],
    ['MüNCHEN.Example.:443', 'xn--mnchen-3ya.example'],
    ['*.*.example.com', undefined, true],
    ['example.com:', undefined],
    ['example.com:123456', undefined],
    ['[::1', undefined],
    ['[::1]x', undefined],
  ];

  it.each(cases)('%s -> %s', (input, expected, allowWildcard) => {
    expect(normalizeHost(input, { allowWildcard: allowWildcard === true })).toBe(expected);
  });
});
