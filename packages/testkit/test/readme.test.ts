import { join } from 'node:path';
import { expect, test } from 'vitest';
import { checkReadmeAgreement } from '../src/readme-agreement.js';

test('README names every export and documents every error code', async () => {
  const agreement = await checkReadmeAgreement({ packageDir: join(import.meta.dirname, '..') });

  expect(agreement).toEqual({ undocumentedExports: [], undocumentedCodes: [] });
});
