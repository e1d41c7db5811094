export { ConfigError, type ConfigErrorCode } from './config-error.js';
export { resolveConfigPath } from './config-path.js';
export { type ConfigProblem, formatProblem } from './config-problem.js';
export {
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  parseConfig,
} from './load-config.js';
export { CONFIG_SCHEMA } from './schema.js';
export type * from './types.js';
