export { isWildcardName, normalizeHost } from './normalize-host.js';
