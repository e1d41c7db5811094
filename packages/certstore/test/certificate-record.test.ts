import { describe, expect, it } from 'vitest';
import { type CertificateMeta, parseMeta, serializeMeta } from '../src/certificate-record.js';
import { CertificateError } from '../src/errors.js';

const SOURCE = '/var/lib/nexo/certificates/ca/x/x.json';

describe('certificate metadata files', () => {
  it('round-trips every field, dates and ARI window included', () => {
    const meta: CertificateMeta = {
      names: ['*.example.com', 'example.com'],
      directoryUrl: 'https://127.0.0.1:14000/dir',
      keyType: 'ec-p256',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-04-01T00:00:00Z'),
      serial: '0A1B',
      lastAttemptAt: new Date('2026-03-01T00:00:00Z'),
      nextAttemptAt: new Date('2026-03-02T00:00:00Z'),
      failureCount: 3,
      lastError: 'rate limited',
      renewalWindow: {
        start: new Date('2026-03-01T00:00:00Z'),
        end: new Date('2026-03-03T00:00:00Z'),
      },
      source: 'acme',
    };

    expect(parseMeta(serializeMeta(meta), SOURCE)).toEqual(meta);
  });

  it.each([
    ['not JSON', '{"names": ['],
    ['not an object', '42'],
    ['no names', '{"directoryUrl": "https://ca/dir"}'],
    ['names not text', '{"names": [1], "directoryUrl": "https://ca/dir"}'],
    ['no directory', '{"names": ["a.test"]}'],
    ['bad date', '{"names": ["a.test"], "directoryUrl": "u", "notAfter": "soon"}'],
    ['bad count', '{"names": ["a.test"], "directoryUrl": "u", "failureCount": "many"}'],
    ['bad text field', '{"names": ["a.test"], "directoryUrl": "u", "lastError": {}}'],
    ['broken window', '{"names": ["a.test"], "directoryUrl": "u", "renewalWindow": {}}'],
  ])('rejects metadata that is %s, naming the file', (_case, text) => {
    const error = (() => {
      try {
        parseMeta(text, SOURCE);
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(CertificateError);
    expect((error as CertificateError).code).toBe('INVALID_METADATA');
    expect((error as CertificateError).message).toContain(SOURCE);
  });
});
