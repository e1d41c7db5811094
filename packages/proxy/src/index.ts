export { applyServerLimits } from './apply-server-limits.js';
export { createProxy } from './create-proxy.js';
export type { ProxyErrorKind } from './proxy-error.js';
export { ProxyError } from './proxy-error.js';
export { serverOptions } from './server-options.js';
export type {
  AccessEvent,
  CachePolicy,
  HealthCheckOptions,
  LoadBalancing,
  Logger,
  Proxy,
  ProxyErrorCode,
  ProxyOptions,
  ProxyRequest,
  ProxyResponse,
  ProxyTarget,
  ProxyTimeouts,
  ServerLimitOptions,
  TargetOptions,
} from './types.js';
