export { isWildcardName, normalizeHost } from './normalize-host.js';
export type { Redirect, RedirectSpec, RedirectStatus } from './redirect.js';
export { parseRedirect, redirectLocation } from './redirect.js';
export type { RouteTable } from './route-table.js';
export { createRouteTable } from './route-table.js';
export type { RouterErrorCode } from './router-error.js';
export { RouterError } from './router-error.js';
