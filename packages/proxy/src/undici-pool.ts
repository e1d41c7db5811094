import { createRequire } from 'node:module';
import type { Dispatcher, Pool as UndiciPool } from 'undici';

const load = createRequire(import.meta.url);

/**
 * undici's `Pool`, loaded from its own file instead of undici's index: the index also
 * loads fetch, WebSocket, the cache and mock layers and every other dispatcher, which
 * Nexo never uses. Measured on Node 20: the index costs about 20 MB of RSS and 70 ms at
 * start-up, `lib/dispatcher/pool.js` about 7 MB. undici 7 has no exports map, so the file
 * is reachable; its path has been stable since undici 6.
 */
export const Pool: typeof UndiciPool = load('undici/lib/dispatcher/pool.js');

export type Pool = UndiciPool;

type RequestFunction = (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

let requestFunction: RequestFunction | undefined;

/**
 * `dispatcher.request(options)`: undici's index adds `request` to every dispatcher, and
 * it is not loaded here, so the one function is loaded when first needed (health checks).
 */
export function requestOn(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  requestFunction ??= load('undici/lib/api/api-request.js') as RequestFunction;
  return requestFunction.call(dispatcher, options);
}
