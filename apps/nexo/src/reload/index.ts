export { type ConfigWatcher, type WatchConfigOptions, watchConfig } from './config-watcher.js';
export {
  Reloader,
  type ReloaderOptions,
  type ReloadOutcome,
  type ReloadReason,
  type ReloadSummary,
} from './reloader.js';
