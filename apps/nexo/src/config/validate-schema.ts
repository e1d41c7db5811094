import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ProblemList, SourcePosition } from './config-problem.js';
import { FORMATS } from './formats.js';
import { fromPointer, type KeySegment, toPointer } from './key-path.js';
import type { NodePlace } from './read-yaml.js';
import { CONFIG_SCHEMA, RENAMED_KEYS } from './schema.js';
import { closestMatch } from './suggest.js';

type Schema = Record<string, unknown>;

let compiled: ValidateFunction | undefined;

/** The compiled validator, built on first use (compiling costs a few milliseconds). */
function validator(): ValidateFunction {
  if (compiled !== undefined) return compiled;

  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
  for (const [name, format] of Object.entries(FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: format.validate });
  }
  const validate = ajv.compile(CONFIG_SCHEMA);
  compiled = validate;
  return validate;
}

/**
 * Checks `value` against the config schema. Every violation becomes an error in
 * `problems` at the offending key or value; keys the schema marks `deprecated` (the
 * original nexo's features Nexo lacks) become warnings.
 */
export function validateSchema(
  value: unknown,
  places: ReadonlyMap<string, NodePlace>,
  problems: ProblemList,
  unresolved: ReadonlySet<string> = new Set(),
): void {
  const locate = (pointer: string, onKey = false): SourcePosition => {
    let segments = fromPointer(pointer);
    while (segments.length > 0) {
      const place = places.get(toPointer(segments));
      if (place !== undefined) return (onKey ? place.key : undefined) ?? place.value;
      segments = segments.slice(0, -1);
    }
    return places.get('')?.value ?? { line: 1, column: 1 };
  };

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'empty' : 'not a mapping of keys';
    problems.error(locate(''), [], `the file is ${what}; see the README for an example config`);
    return;
  }

  const validate = validator();
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      if (!unresolved.has(error.instancePath)) report(error, locate, problems);
    }
  }

  warnDeprecated(CONFIG_SCHEMA, value, [], locate, problems);
}

function report(
  error: ErrorObject,
  locate: (pointer: string, onKey?: boolean) => SourcePosition,
  problems: ProblemList,
): void {
  const path: KeySegment[] = fromPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;

  if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const pointer = `${error.instancePath}${toPointer([key])}`;
    const known = declaredKeys(error.parentSchema);
    const guess = closestMatch(key, known);
    const hint =
      guess === undefined ? `; known keys: ${known.join(', ')}` : `; did you mean "${guess}"?`;
    problems.error(locate(pointer, true), [...path, key], `unknown key${hint}`);
    return;
  }

  if (error.keyword === 'required') {
    const key = String(params.missingProperty);
    problems.error(locate(error.instancePath, true), [...path, key], 'is required');
    return;
  }

  problems.error(locate(error.instancePath), path, describe(error));
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const schema = (error.parentSchema ?? {}) as Schema;
  const data: unknown = error.data;

  switch (error.keyword) {
    case 'format':
      return FORMATS[String(params.format)]?.describe(data) ?? 'has the wrong format';
    case 'type':
      return describeType(schema, data);
    case 'enum':
      return describeEnum(schema.enum as unknown[], data);
    case 'minimum':
      return `must be at least ${String(params.limit)} (got ${JSON.stringify(data)})`;
    case 'maximum':
      return `must be at most ${String(params.limit)} (got ${JSON.stringify(data)})`;
    case 'minItems':
      return params.limit === 1
        ? 'must not be an empty list'
        : `must list at least ${String(params.limit)} items`;
    case 'minLength':
      return 'must not be empty';
    default:
      return error.message ?? 'is not valid';
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
  null: 'empty',
};

function describeType(schema: Schema, data: unknown): string {
  const types = ([] as string[]).concat(schema.type as string | string[]);
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  const actual = data === null ? 'it is empty' : `got ${kindOf(data)}`;

  if (format !== undefined && types.includes('string')) {
    const alsoList = types.includes('array') ? ', or a list of them' : '';
    const wanted = format.describe(data).replace(/ \(got .*\)$/, '');
    return `${wanted}${alsoList} (${actual})`;
  }
  // YAML reads unquoted digits or true/false as numbers or booleans. The value itself is not
  // echoed: this key may hold a secret (a numeric token), and a long number lost digits.
  if (types.length === 1 && types[0] === 'string' && isNumberOrBoolean(data)) {
    const kind = typeof data === 'number' ? 'a number' : 'true or false';
    return `must be text; put the value in quotes (got ${kind})`;
  }
  return `must be ${types.map((type) => TYPE_NAMES[type] ?? type).join(' or ')} (${actual})`;
}

function describeEnum(allowed: readonly unknown[], data: unknown): string {
  const choices = allowed.map((item) => String(item));
  const guess = typeof data === 'string' ? closestMatch(data, choices) : undefined;
  const hint = guess === undefined ? '' : `; did you mean "${guess}"?`;
  return `must be one of ${choices.join(', ')} (got ${JSON.stringify(data)})${hint}`;
}

function isNumberOrBoolean(data: unknown): boolean {
  return typeof data === 'number' || typeof data === 'boolean';
}

function kindOf(data: unknown): string {
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'string') return `text ${JSON.stringify(data)}`;
  return JSON.stringify(data);
}

function declaredKeys(schema: unknown): string[] {
  const properties = ((schema ?? {}) as Schema).properties as Record<string, Schema> | undefined;
  if (properties === undefined) return [];
  return Object.keys(properties).filter((key) => properties[key]?.deprecated !== true);
}

/** Walks the data along the schema and warns about each `deprecated` key present. */
function warnDeprecated(
  schema: Schema,
  value: unknown,
  path: KeySegment[],
  locate: (pointer: string, onKey?: boolean) => SourcePosition,
  problems: ProblemList,
): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;

  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const additional = schema.additionalProperties;

  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key] ?? (isSchema(additional) ? additional : undefined);
    if (childSchema === undefined) continue;

    const childPath = [...path, key];
    if (childSchema.deprecated === true) {
      const at = locate(toPointer(childPath), true);
      problems.warning(at, childPath, deprecationMessage(path, key));
      continue;
    }
    warnDeprecated(childSchema, child, childPath, locate, problems);
  }
}

function deprecationMessage(parent: readonly KeySegment[], key: string): string {
  const renamed = parent.length === 0 ? RENAMED_KEYS[key] : undefined;
  if (renamed !== undefined) return `is an old name; it still works, but write ${renamed}`;
  return 'was a feature of the original nexo that Nexo does not have; it is ignored';
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null;
}
