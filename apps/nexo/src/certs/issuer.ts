import type { KeyType } from '../config/types.js';

/** A certificate as the CA issued it. */
export interface IssuedCertificate {
  /** Full chain, leaf first. */
  certificatePem: string;
  privateKeyPem: string;
  /** The CA's suggested renewal window (ARI), when it offers one. */
  renewalWindow?: { start: Date; end: Date };
}

export interface IssueRequest {
  /** Names in order; the first is the certificate's name. */
  names: readonly string[];
  keyType: KeyType;
  signal?: AbortSignal;
}

/** Turns names into a certificate: an ACME order with DNS-01, in production. */
export interface Issuer {
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  /** Releases connections kept open to the CA. */
  close(): void;
}
