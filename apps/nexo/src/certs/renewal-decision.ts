import { type CertificateMeta, type CertificateRecord, planRenewal } from '@nexo/certstore';
import type { PlannedCertificate } from './plan-certificates.js';

/** What one look at a planned certificate decided. */
export type Decision =
  | { action: 'none'; nextCheckAt: Date }
  | { action: 'issue'; reason: 'missing' | 'names-changed' | 'due' }
  | { action: 'wait'; until: Date };

/** Whether a planned certificate must be obtained, judging by the stored record alone. */
export function needsIssue(
  planned: PlannedCertificate,
  record: CertificateRecord | undefined,
  now: Date,
): Decision {
  if (record === undefined) return { action: 'issue', reason: 'missing' };
  if (!coversPlan(record.meta, planned)) return { action: 'issue', reason: 'names-changed' };

  const { notBefore, notAfter } = record.meta;
  if (notBefore === undefined || notAfter === undefined) return { action: 'issue', reason: 'due' };
  const renewal = planRenewal({
    notBefore,
    notAfter,
    now,
    ...(record.meta.serial === undefined ? {} : { seed: record.meta.serial }),
    ...(record.meta.renewalWindow === undefined
      ? {}
      : { renewalWindow: record.meta.renewalWindow }),
  });
  return renewal.due
    ? { action: 'issue', reason: 'due' }
    : { action: 'none', nextCheckAt: renewal.renewAt };
}

/** Why a certificate is being obtained, for the log line of an attempt. */
export function issueReason(
  planned: PlannedCertificate,
  record: CertificateRecord | undefined,
): string {
  const decision = needsIssue(planned, record, new Date());
  return decision.action === 'issue' ? decision.reason : 'due';
}

function coversPlan(meta: CertificateMeta, planned: PlannedCertificate): boolean {
  return planned.domains.every((domain) => meta.names.includes(domain));
}
