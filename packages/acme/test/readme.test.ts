import { join } from 'node:path';
import { checkReadmeAgreement } from '@nexo/testkit';
import { expect, test } from 'vitest';

/**
 * Codes this package reads but never throws: Node's TLS verification codes, which it
 * turns into ACME_TLS_UNTRUSTED.
 */
const FOREIGN_CODES = [
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
];

test('README names every export and documents every error code', async () => {
  const agreement = await checkReadmeAgreement({
    packageDir: join(import.meta.dirname, '..'),
    entries: ['src/index.ts', 'src/conformance.ts'],
    foreignCodes: FOREIGN_CODES,
  });

  expect(agreement).toEqual({ undocumentedExports: [], undocumentedCodes: [] });
});
