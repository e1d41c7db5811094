export { type AppLogger, type CreateLoggerOptions, createLogger } from './create-logger.js';
export { REDACT_PATHS } from './redact-paths.js';
