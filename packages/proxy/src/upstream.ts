import type { PoolEntry } from './upstream-pools.js';

/** One upstream as seen by one target: its shared pool plus this target's health view. */
export class Upstream {
  readonly origin: string;
  /** `host:port` as written in the origin, sent as Host when the target asks for it. */
  readonly host: string;
  readonly entry: PoolEntry;
  /** Passive health: skipped until this time (ms since epoch) after a failed connect. */
  failedUntil = 0;
  /** Active health: false while the health check fails. */
  healthy = true;

  constructor(origin: string, host: string, entry: PoolEntry) {
    this.origin = origin;
    this.host = host;
    this.entry = entry;
  }
}
