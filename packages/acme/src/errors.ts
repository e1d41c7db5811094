/**
 * Base of every error this package throws: a stable `code` to branch on, a message that
 * says what happened and what to do next, and the underlying `cause` when there is one.
 */
export class NexoAcmeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NexoAcmeError';
    this.code = code;
  }
}

/** An ACME problem document (RFC 8555 section 6.7) returned by the CA. */
export interface AcmeProblem {
  /** Full problem type, e.g. `urn:ietf:params:acme:error:rateLimited`. */
  type: string;
  detail?: string;
  status?: number;
  subproblems?: Array<{ type: string; detail?: string; identifier?: { value: string } }>;
}

/**
 * The CA answered with a problem document. `code` is `ACME_` plus the problem name in
 * upper snake case (`ACME_RATE_LIMITED`, `ACME_UNAUTHORIZED`, `ACME_BAD_NONCE`,
 * `ACME_EXTERNAL_ACCOUNT_REQUIRED`...), `ACME_PROBLEM` for a non-ACME problem type.
 */
export class AcmeProblemError extends NexoAcmeError {
  readonly problemType: string;
  readonly status: number | undefined;
  /** From the `Retry-After` header, when the CA sent one. */
  readonly retryAfterMs: number | undefined;
  readonly problem: AcmeProblem;

  constructor(
    problem: AcmeProblem,
    details: { status?: number; retryAfterMs?: number; operation: string },
    options?: { cause?: unknown },
  ) {
    const name = problemName(problem.type);
    super(
      name === undefined ? 'ACME_PROBLEM' : `ACME_${toUpperSnake(name)}`,
      `${details.operation} failed: the CA answered ${problem.type}` +
        `${problem.detail ? ` (${problem.detail})` : ''}${adviceFor(name, details.retryAfterMs)}`,
      options,
    );
    this.name = 'AcmeProblemError';
    this.problemType = problem.type;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.problem = problem;
  }
}

/**
 * The ACME directory could not be reached. `code` is `ACME_TLS_UNTRUSTED` when its TLS
 * certificate is not trusted, `ACME_TIMEOUT` when it did not answer in time, else
 * `ACME_UNREACHABLE`.
 */
export class AcmeConnectionError extends NexoAcmeError {
  readonly url: string;

  constructor(code: string, message: string, url: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AcmeConnectionError';
    this.url = url;
  }
}

/** The CA tried the DNS-01 challenge for `identifier` and it failed (`ACME_CHALLENGE_FAILED`). */
export class AcmeChallengeError extends NexoAcmeError {
  readonly identifier: string;
  readonly problemType: string | undefined;

  constructor(identifier: string, problem: AcmeProblem | undefined) {
    super(
      'ACME_CHALLENGE_FAILED',
      `the CA could not validate DNS-01 for ${identifier}` +
        `${problem ? `: ${problem.type}${problem.detail ? ` (${problem.detail})` : ''}` : ''}; ` +
        'check that _acme-challenge records are not shadowed by a CNAME or another zone ' +
        'and that the CA resolves the same DNS as the propagation check',
    );
    this.name = 'AcmeChallengeError';
    this.identifier = identifier;
    this.problemType = problem?.type;
  }
}

/**
 * A DNS provider call failed. Codes: `ZONE_NOT_FOUND`, `INVALID_CREDENTIALS`,
 * `PERMISSION_DENIED`, `RATE_LIMITED`, `PROVIDER_UNAVAILABLE`, `PROVIDER_REQUEST_FAILED`.
 */
export class DnsProviderError extends NexoAcmeError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    details: { provider: string; status?: number; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'DnsProviderError';
    this.provider = details.provider;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * The TXT records never became visible. `DNS_PROPAGATION_TIMEOUT`: nothing (or nothing
 * new) was seen before the deadline; `DNS_WRONG_VALUE`: the name holds TXT values, but not
 * the expected ones.
 */
export class DnsPropagationError extends NexoAcmeError {
  readonly recordName: string;
  readonly expected: readonly string[];
  readonly seen: readonly string[];

  constructor(
    code: 'DNS_PROPAGATION_TIMEOUT' | 'DNS_WRONG_VALUE',
    message: string,
    details: { recordName: string; expected: readonly string[]; seen: readonly string[] },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'DnsPropagationError';
    this.recordName = details.recordName;
    this.expected = details.expected;
    this.seen = details.seen;
  }
}

const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

function problemName(type: string): string | undefined {
  return type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : undefined;
}

function toUpperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function adviceFor(name: string | undefined, retryAfterMs: number | undefined): string {
  switch (name) {
    case 'rateLimited':
      return retryAfterMs === undefined
        ? '; wait before retrying'
        : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    case 'externalAccountRequired':
      return '; this CA needs External Account Binding: set externalAccountBinding';
    case 'agreementRequired':
    case 'userActionRequired':
      return '; agree to the CA terms of service (set termsOfServiceAgreed) and retry';
    case 'accountDoesNotExist':
      return '; the stored account is unknown to this CA';
    default:
      return '';
  }
}
