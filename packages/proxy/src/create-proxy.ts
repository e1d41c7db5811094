import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { forwardRequest } from './forward-request.js';
import { forwardUpgrade } from './forward-upgrade.js';
import { ProxyError } from './proxy-error.js';
import { ProxyState } from './proxy-state.js';
import { Target } from './proxy-target.js';
import { type ResolvedOptions, resolveOptions } from './resolve-options.js';
import { TrustedProxies } from './trusted-proxies.js';
import type {
  Proxy as ProxyApi,
  ProxyOptions,
  ProxyRequest,
  ProxyResponse,
  ProxyTarget,
  TargetOptions,
} from './types.js';
import { UpstreamPools } from './upstream-pools.js';

/**
 * Creates a reverse proxy. Bad options throw a {@link ProxyError} (`invalid_option`)
 * naming the option.
 */
export function createProxy(options: ProxyOptions = {}): ProxyApi {
  const resolved = resolveOptions(options);
  validateOptions(resolved);

  const logger = resolved.logger?.child({ module: 'proxy' });
  const trusted = new TrustedProxies(resolved.trustedProxies);
  const pools = new UpstreamPools(resolved, logger);
  return new ReverseProxy(new ProxyState(resolved, trusted, pools, logger));
}

class ReverseProxy implements ProxyApi {
  readonly #state: ProxyState;
  readonly #targets = new Set<Target>();
  #closing: Promise<void> | undefined;

  constructor(state: ProxyState) {
    this.#state = state;
  }

  get inFlight(): number {
    return this.#state.inFlight;
  }

  createTarget(options: TargetOptions): ProxyTarget {
    if (this.#state.closing) {
      throw new ProxyError('invalid_option', 'the proxy is closing; create a new one first');
    }

    const state = this.#state;
    const target = new Target(options, state.pools, state.options, state.logger, (released) =>
      this.#targets.delete(released),
    );
    this.#targets.add(target);
    return target;
  }

  handleRequest(req: ProxyRequest, res: ProxyResponse, target: ProxyTarget): void {
    forwardRequest(this.#state, req, res, ownTarget(target), false);
  }

  handleCheckContinue(req: ProxyRequest, res: ProxyResponse, target: ProxyTarget): void {
    forwardRequest(this.#state, req, res, ownTarget(target), true);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget): void {
    forwardUpgrade(this.#state, req, socket, head, ownTarget(target));
  }

  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.deadlineMs ?? 10_000);
    return this.#closing;
  }

  async #close(deadlineMs: number): Promise<void> {
    const state = this.#state;
    state.closing = true;
    for (const target of this.#targets) target.stopHealthChecks();
    state.logger?.info({ in_flight: state.inFlight, deadline_ms: deadlineMs }, 'proxy closing');

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, deadlineMs, false);
    });
    const drained = await Promise.race([state.whenIdle().then(() => true), deadline]);
    clearTimeout(timer);

    if (!drained) {
      state.logger?.warn({ in_flight: state.inFlight }, 'close deadline passed, cutting requests');
      for (const socket of state.upgrades) socket.destroy();
    }
    await state.pools.closeAll(!drained);
  }
}

function ownTarget(target: ProxyTarget): Target {
  if (target instanceof Target) return target;
  throw new TypeError('target was not created by this proxy; use proxy.createTarget()');
}

function validateOptions(options: ResolvedOptions): void {
  const numbers: Array<[string, number]> = [
    ['maxBodyBytes', options.maxBodyBytes],
    ['maxHeaderBytes', options.maxHeaderBytes],
    ['maxConnectionsPerUpstream', options.maxConnectionsPerUpstream],
    ['timeouts.requestMs', options.requestMs],
    ['timeouts.upstreamHeadersMs', options.upstreamHeadersMs],
    ['timeouts.upstreamBodyMs', options.upstreamBodyMs],
    ['timeouts.keepAliveMs', options.keepAliveMs],
    ['timeouts.upstreamConnectMs', options.upstreamConnectMs],
    ['timeouts.upgradeIdleMs', options.upgradeIdleMs],
  ];
  for (const [name, value] of numbers) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ProxyError(
        'invalid_option',
        `${name} is ${String(value)}; it must be a whole number of bytes or ms, 0 or more`,
      );
    }
  }
}
