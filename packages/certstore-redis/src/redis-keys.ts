/**
 * Where everything lives in Redis, in one place. With prefix `nexo`:
 * - `nexo:data:<storage key>`: a hash holding one value and its metadata;
 * - `nexo:lock:<lock name>`: a lock lease, a string holding the holder's token;
 * - `nexo:changes`: the pub/sub channel announcing every store and delete.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** The hash holding the value stored under `key`. */
  data(key: string): string;
  /** The storage key a data hash name belongs to, or `undefined` if it is not one. */
  storageKeyOf(redisKey: string): string | undefined;
  /** A SCAN MATCH pattern for every data hash whose storage key starts with `keyPrefix`. */
  dataPattern(keyPrefix: string): string;
  lock(name: string): string;
  readonly changesChannel: string;
}

/** Builds the key layout for one prefix; `prefix` must be non-empty printable ASCII. */
export function redisKeys(prefix: string): RedisKeys {
  const dataPrefix = `${prefix}:data:`;

  return {
    prefix,
    data: (key) => dataPrefix + key,
    storageKeyOf: (redisKey) =>
      redisKey.startsWith(dataPrefix) ? redisKey.slice(dataPrefix.length) : undefined,
    dataPattern: (keyPrefix) => `${escapeGlob(dataPrefix + keyPrefix)}*`,
    lock: (name) => `${prefix}:lock:${name}`,
    changesChannel: `${prefix}:changes`,
  };
}

/** Escapes the characters SCAN MATCH treats as glob syntax, so they match themselves. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
