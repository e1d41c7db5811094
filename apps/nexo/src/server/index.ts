export type { ConfigDiff } from './diff-config.js';
export type { Logger } from './logger.js';
export type { NexoServer, ServerAddresses, StartServerOptions } from './server.js';
export { ListenError, startServer } from './server.js';
