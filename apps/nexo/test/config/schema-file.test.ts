import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SCHEMA } from '../../src/config/index.js';

const SCHEMA_FILE = join(import.meta.dirname, '../../schema/config.schema.json');
const FIXTURES = join(import.meta.dirname, '../fixtures/config');

/** The published file as generated (the formatter may re-lay it out). */
const EXPECTED_TEXT = `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;

describe('published JSON Schema', () => {
  test('schema/config.schema.json is generated from src/config/schema.ts', async () => {
    // `NEXO_WRITE_SCHEMA=1 npx vitest run --project nexo schema-file` regenerates it.
    if (process.env.NEXO_WRITE_SCHEMA === '1') await writeFile(SCHEMA_FILE, EXPECTED_TEXT);

    // Compared as data: the formatter may lay the file out its own way.
    const onDisk: unknown = JSON.parse(await readFile(SCHEMA_FILE, 'utf8'));
    expect(onDisk, 'run NEXO_WRITE_SCHEMA=1 npx vitest run --project nexo schema-file').toEqual(
      CONFIG_SCHEMA,
    );
  });

  test('an editor without our formats can use it, and it accepts the original example', async () => {
    // Editors treat unknown formats as annotations; Ajv needs to be told to.
    const ajv = new Ajv({ allowUnionTypes: true, strict: false, validateFormats: false });
    const validate = ajv.compile(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')));
    const example = parse(await readFile(join(FIXTURES, 'original-example.yaml'), 'utf8'));

    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ cloudflare: { api_token: 'x' }, proxis: {} })).toBe(false);
  });
});
