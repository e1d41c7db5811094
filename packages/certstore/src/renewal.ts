import { createHash, X509Certificate } from 'node:crypto';
import type { RenewalWindow } from './certificate-record.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Below this lifetime, renew at half of it instead of a third. */
const SHORT_LIFETIME_MS = 10 * DAY_MS;
const DEFAULT_JITTER_RATIO = 0.01;

/** A certificate's validity and the renewal rule to apply to it ({@link planRenewal}). */
export interface RenewalInput {
  notBefore: Date;
  notAfter: Date;
  /** Defaults to the current time. */
  now?: Date;
  /**
   * Renew when this much validity remains (the original nexo: 30 days) instead of the
   * lifetime-based default. Capped at half the lifetime, so a short-lived certificate
   * is not renewed over and over.
   */
  fixedWindowMs?: number;
  /** The CA's ARI window; when given it decides, fixed window and ratio are ignored. */
  renewalWindow?: RenewalWindow;
  /** Spread, as a fraction of the lifetime, by which renewal is moved earlier. Default 1%. */
  jitterRatio?: number;
  /**
   * Uniform random number in [0, 1). Defaults to one derived from `seed`, so every
   * process computes the same time for one certificate; without a seed, `Math.random`.
   */
  random?: () => number;
  /** Usually the certificate's serial number. */
  seed?: string;
}

/** When to renew, and which rule decided it. */
export interface RenewalPlan {
  /** When renewal should start. */
  renewAt: Date;
  /** `now` is at or after `renewAt`. */
  due: boolean;
  /** `now` is at or after `notAfter`: the certificate no longer works. */
  expired: boolean;
  /** Which rule chose `renewAt`. */
  rule: 'ratio' | 'fixed-window' | 'ari';
}

/**
 * When to renew a certificate. Pure: the result depends only on the input.
 *
 * - Default: when a third of the lifetime remains (half when the lifetime is under ten
 *   days), moved earlier by up to `jitterRatio` of the lifetime so that certificates
 *   issued together do not all renew together.
 * - `fixedWindowMs`: when that much remains (at most half the lifetime), minus jitter.
 * - `renewalWindow` (ARI): a random time inside the CA's window; a window already over
 *   means renew now.
 */
export function planRenewal(input: RenewalInput): RenewalPlan {
  const now = (input.now ?? new Date()).getTime();
  const random = input.random ?? randomFrom(input.seed);
  const { renewAtMs, rule } = chooseRenewalTime(input, random);

  return {
    renewAt: new Date(renewAtMs),
    due: now >= renewAtMs,
    expired: now >= input.notAfter.getTime(),
    rule,
  };
}

/** {@link planRenewal} for a PEM certificate (the leaf, first in a chain). */
export function planCertificateRenewal(
  certificatePem: string,
  options: Omit<RenewalInput, 'notBefore' | 'notAfter'> = {},
): RenewalPlan {
  const leaf = new X509Certificate(certificatePem);
  return planRenewal({
    seed: leaf.serialNumber,
    ...options,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  });
}

function chooseRenewalTime(input: RenewalInput, random: () => number) {
  const window = input.renewalWindow;
  if (window !== undefined) {
    const span = Math.max(0, window.end.getTime() - window.start.getTime());
    return {
      renewAtMs: window.start.getTime() + Math.floor(random() * span),
      rule: 'ari' as const,
    };
  }

  const notAfter = input.notAfter.getTime();
  const lifetimeMs = Math.max(0, notAfter - input.notBefore.getTime());
  const jitterMs = Math.floor(random() * lifetimeMs * (input.jitterRatio ?? DEFAULT_JITTER_RATIO));

  if (input.fixedWindowMs !== undefined) {
    const windowMs = Math.min(input.fixedWindowMs, lifetimeMs / 2);
    return { renewAtMs: notAfter - windowMs - jitterMs, rule: 'fixed-window' as const };
  }

  const remainingRatio = lifetimeMs < SHORT_LIFETIME_MS ? 1 / 2 : 1 / 3;
  return { renewAtMs: notAfter - lifetimeMs * remainingRatio - jitterMs, rule: 'ratio' as const };
}

/** A number in [0, 1) fixed by `seed`, or `Math.random` without one. */
function randomFrom(seed: string | undefined): () => number {
  if (seed === undefined) return Math.random;

  const value = createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
  return () => value;
}
