import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { checkReadmeAgreement } from '../src/readme-agreement.js';

let dir: string | undefined;

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function writePackage(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'readme-agreement-'));
  await mkdir(join(dir, 'src', 'inner'), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

test('reports value exports the README never names, and codes missing from Errors', async () => {
  const packageDir = await writePackage({
    'src/index.ts': [
      "export type { Hidden } from './a.js';",
      "export { named, unnamed, inner as renamed } from './a.js';",
      "export * as keys from './keys.js';",
      'export function declared() {}',
    ].join('\n'),
    'src/a.ts': "throw new E('LISTED_CODE'); throw new E('PROSE_ONLY_CODE');",
    'src/inner/b.ts': "if (error.code === 'ENOENT_LIKE_CODE') throw new E('NESTED_CODE');",
    'README.md': [
      '# pkg',
      '`named`, `keys`, PROSE_ONLY_CODE',
      '## Errors',
      '| `LISTED_CODE` |',
      '## Limits',
      'NESTED_CODE is mentioned here only',
    ].join('\n'),
  });

  const agreement = await checkReadmeAgreement({
    packageDir,
    foreignCodes: ['ENOENT_LIKE_CODE'],
  });

  expect(agreement).toEqual({
    undocumentedExports: ['declared', 'renamed', 'unnamed'],
    undocumentedCodes: ['NESTED_CODE', 'PROSE_ONLY_CODE'],
  });
});
