import { join } from 'node:path';
import { checkReadmeAgreement } from '@nexo/testkit';
import { expect, test } from 'vitest';

/** Codes this package reads but never throws: Node's abort code, turned into ABORTED. */
const FOREIGN_CODES = ['ABORT_ERR'];

test('README names every export and documents every error code', async () => {
  const agreement = await checkReadmeAgreement({
    packageDir: join(import.meta.dirname, '..'),
    entries: ['src/index.ts', 'src/conformance.ts'],
    foreignCodes: FOREIGN_CODES,
  });

  expect(agreement).toEqual({ undocumentedExports: [], undocumentedCodes: [] });
});
