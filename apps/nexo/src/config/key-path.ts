/** One step into the config: a mapping key or a list index. */
export type KeySegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Renders a key path the way users read it in messages:
 * `proxies."api.example.com".upstreams[1]`.
 */
export function formatKeyPath(segments: readonly KeySegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      continue;
    }

    const key = PLAIN_KEY.test(segment) ? segment : JSON.stringify(segment);
    text += text.length === 0 ? key : `.${key}`;
  }
  return text;
}

/** The JSON Pointer (RFC 6901) of a key path, as Ajv reports `instancePath`. */
export function toPointer(segments: readonly KeySegment[]): string {
  return segments
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

/** The key path of a JSON Pointer; all-digit segments (list indices) become numbers. */
export function fromPointer(pointer: string): KeySegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
