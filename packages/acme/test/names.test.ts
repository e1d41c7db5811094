import { describe, expect, it } from 'vitest';
import { normalizeCertificateNames } from '../src/index.js';

describe('normalizeCertificateNames', () => {
  it('lowercases, strips the final dot and de-duplicates, keeping order', () => {
    expect(normalizeCertificateNames(['*.Example.COM', 'example.com.', 'EXAMPLE.com'])).toEqual([
      '*.example.com',
      'example.com',
    ]);
  });

  it.each([
    { names: [], reason: /at least one/ },
    { names: [''], reason: /empty/ },
    { names: ['localhost'], reason: /two labels/ },
    { names: ['a.*.example.com'], reason: /leftmost/ },
    { names: ['*.com'], reason: /below a TLD/ },
    { names: ['192.168.0.1'], reason: /IP addresses/ },
    { names: ['bad_host!.example.com'], reason: /not a valid DNS label/ },
    { names: ['-dash.example.com'], reason: /not a valid DNS label/ },
    { names: [`${'a'.repeat(64)}.example.com`], reason: /not a valid DNS label/ },
  ])('rejects $names with INVALID_NAME', ({ names, reason }) => {
    expect(() => normalizeCertificateNames(names)).toThrow(reason);
    expect(() => normalizeCertificateNames(names)).toThrow(
      expect.objectContaining({ code: 'INVALID_NAME' }),
    );
  });
});
