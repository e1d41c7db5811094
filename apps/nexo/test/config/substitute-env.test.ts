// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the inputs are ${NAME} references
import { expect, test } from 'vitest';
import { substituteEnv } from '../../src/config/substitute-env.js';

const ENV = { HOST: 'app.example.com', EMPTY: '', PORT: '8080' };

test.each([
  ['no reference', 'plain', { ok: true, text: 'plain', changed: false }],
  [
    'one variable',
    'http://${HOST}:${PORT}',
    { ok: true, text: 'http://app.example.com:8080', changed: true },
  ],
  ['fallback when unset', '${NOPE:-x}', { ok: true, text: 'x', changed: true }],
  ['fallback when empty', '${EMPTY:-y}', { ok: true, text: 'y', changed: true }],
  ['empty but set, no fallback', '[${EMPTY}]', { ok: true, text: '[]', changed: true }],
  ['$${ is a literal', 'a$${HOST}b', { ok: true, text: 'a${HOST}b', changed: true }],
  ['a lone $ stays', 'cost: $5 ${PORT}', { ok: true, text: 'cost: $5 8080', changed: true }],
  [
    'every unset variable is named',
    '${A}-${B}',
    {
      ok: false,
      messages: [
        'environment variable A is not set (or write ${A:-default})',
        'environment variable B is not set (or write ${B:-default})',
      ],
    },
  ],
  [
    'invalid name',
    '${1X}',
    {
      ok: false,
      messages: ['"${1X}" is not a valid variable reference: use ${NAME} or ${NAME:-default}'],
    },
  ],
  [
    'unterminated',
    'x ${HOST',
    {
      ok: false,
      messages: ['unterminated "${": close it with "}" or write "$${" for a literal "${"'],
    },
  ],
])('%s', (_name, input, expected) => {
  expect(substituteEnv(input, ENV)).toEqual(expected);
});
