import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run with EVALSHA, falling back to EVAL the first time Redis lacks it. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Replaces a value and its metadata in one step, then announces it.
 * KEYS[1] data hash; ARGV: value, size, encryption scheme ('' when plain), channel, key.
 * The modification time is Redis's clock, so instances with skewed clocks agree.
 * Returns the modification time in milliseconds as a string.
 */
export const storeScript = luaScript(`
local now = redis.call('TIME')
local modified = now[1] .. string.format('%03d', math.floor(now[2] / 1000))
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'size', ARGV[2], 'modified', modified)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'encryption', ARGV[3])
end
redis.call('PUBLISH', ARGV[4], cjson.encode({ type = 'store', key = ARGV[5], modifiedMs = tonumber(modified) }))
return modified
`);

/**
 * Deletes a value and announces it when something was there.
 * KEYS[1] data hash; ARGV: channel, key. Returns 1 when a value was removed.
 */
export const deleteScript = luaScript(`
local removed = redis.call('DEL', KEYS[1])
if removed == 1 then
  redis.call('PUBLISH', ARGV[1], cjson.encode({ type = 'delete', key = ARGV[2] }))
end
return removed
`);

/** Deletes the lock only if it still holds our token. KEYS[1] lock; ARGV[1] token. */
export const unlockScript = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

/**
 * Extends the lease only if the lock still holds our token.
 * KEYS[1] lock; ARGV: token, lease in milliseconds. Returns 1 when extended.
 */
export const refreshScript = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

/** Runs `script` by its hash, sending the source only when Redis does not know it yet. */
export async function runScript(
  client: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await client.eval(script.source, keys.length, ...keys, ...args);
  }
}
