import type { OperationOptions } from './operation-options.js';

/** One DNS-01 challenge to answer: a TXT value at `_acme-challenge.<domain>`. */
export interface Dns01Challenge {
  /** The identifier being validated, e.g. `example.com` (also for `*.example.com`). */
  identifier: string;
  /** Fully qualified record name, e.g. `_acme-challenge.example.com`. */
  recordName: string;
  /** The TXT value: base64url SHA-256 of the key authorization. */
  value: string;
}

/**
 * Answers the challenges of one order (present, wait, clean up).
 *
 * Contract: `present` creates everything or nothing (it undoes partial work before
 * rejecting); `waitUntilVisible` resolves once the CA can be expected to see the
 * answers; `cleanup` removes exactly what `present` created, must be called once after
 * a successful `present` whatever happens next, and ignores cancellation so that an
 * aborted order still leaves nothing behind.
 */
export interface ChallengeSolver {
  readonly challengeType: 'dns-01';
  present(challenges: readonly Dns01Challenge[], options?: OperationOptions): Promise<Presented>;
  waitUntilVisible(presented: Presented, options?: OperationOptions): Promise<void>;
  cleanup(presented: Presented): Promise<void>;
}

/** What a solver created, to wait on and clean up later. Opaque to callers. */
export interface Presented {
  readonly challenges: readonly Dns01Challenge[];
}
