import { describe, expect, it } from 'vitest';
import { planCertificateRenewal, planRenewal, type RenewalInput } from '../src/renewal.js';
import { makeCertificate } from './helpers/certificates.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs);
const noJitter = () => 0;

interface Case {
  name: string;
  lifetimeMs: number;
  nowMs: number;
  extra?: Partial<RenewalInput>;
  renewAtMs: number;
  due: boolean;
  expired?: boolean;
  rule: string;
}

const cases: Case[] = [
  {
    name: '90-day, day 59',
    lifetimeMs: 90 * DAY,
    nowMs: 59 * DAY,
    renewAtMs: 60 * DAY,
    due: false,
    rule: 'ratio',
  },
  {
    name: '90-day, day 60',
    lifetimeMs: 90 * DAY,
    nowMs: 60 * DAY,
    renewAtMs: 60 * DAY,
    due: true,
    rule: 'ratio',
  },
  {
    name: '10-day uses a third',
    lifetimeMs: 10 * DAY,
    nowMs: 0,
    renewAtMs: (20 * DAY) / 3,
    due: false,
    rule: 'ratio',
  },
  {
    name: '6-day uses half',
    lifetimeMs: 6 * DAY,
    nowMs: 2 * DAY,
    renewAtMs: 3 * DAY,
    due: false,
    rule: 'ratio',
  },
  {
    name: '6-day, day 3',
    lifetimeMs: 6 * DAY,
    nowMs: 3 * DAY,
    renewAtMs: 3 * DAY,
    due: true,
    rule: 'ratio',
  },
  {
    name: '2-minute, 59 s',
    lifetimeMs: 2 * MINUTE,
    nowMs: 59_000,
    renewAtMs: MINUTE,
    due: false,
    rule: 'ratio',
  },
  {
    name: '2-minute, 61 s',
    lifetimeMs: 2 * MINUTE,
    nowMs: 61_000,
    renewAtMs: MINUTE,
    due: true,
    rule: 'ratio',
  },
  {
    name: 'fixed 30-day window on a 90-day cert',
    lifetimeMs: 90 * DAY,
    nowMs: 59 * DAY,
    extra: { fixedWindowMs: 30 * DAY },
    renewAtMs: 60 * DAY,
    due: false,
    rule: 'fixed-window',
  },
  {
    name: 'fixed 20-day window on a 90-day cert',
    lifetimeMs: 90 * DAY,
    nowMs: 65 * DAY,
    extra: { fixedWindowMs: 20 * DAY },
    renewAtMs: 70 * DAY,
    due: false,
    rule: 'fixed-window',
  },
  {
    name: 'fixed 30-day window capped at half of a 6-day cert',
    lifetimeMs: 6 * DAY,
    nowMs: DAY,
    extra: { fixedWindowMs: 30 * DAY },
    renewAtMs: 3 * DAY,
    due: false,
    rule: 'fixed-window',
  },
  {
    name: 'ARI window, middle picked',
    lifetimeMs: 90 * DAY,
    nowMs: 10 * DAY,
    extra: { renewalWindow: { start: at(40 * DAY), end: at(42 * DAY) }, random: () => 0.5 },
    renewAtMs: 41 * DAY,
    due: false,
    rule: 'ari',
  },
  {
    name: 'ARI window in the past: renew now',
    lifetimeMs: 90 * DAY,
    nowMs: 10 * DAY,
    extra: { renewalWindow: { start: at(DAY), end: at(2 * DAY) }, random: () => 0.5 },
    renewAtMs: 1.5 * DAY,
    due: true,
    rule: 'ari',
  },
  {
    name: 'expired 90-day',
    lifetimeMs: 90 * DAY,
    nowMs: 90 * DAY,
    renewAtMs: 60 * DAY,
    due: true,
    expired: true,
    rule: 'ratio',
  },
  {
    name: 'largest jitter moves a 90-day renewal 0.9 days earlier',
    lifetimeMs: 90 * DAY,
    nowMs: 0,
    extra: { random: () => 0.999_999_999 },
    renewAtMs: 60 * DAY - 0.9 * DAY,
    due: false,
    rule: 'ratio',
  },
];

describe('planRenewal', () => {
  it.each(cases)('$name', (c) => {
    const plan = planRenewal({
      notBefore: at(0),
      notAfter: at(c.lifetimeMs),
      now: at(c.nowMs),
      random: noJitter,
      ...c.extra,
    });

    expect(Math.abs(plan.renewAt.getTime() - (T0 + c.renewAtMs))).toBeLessThanOrEqual(1);
    expect({ due: plan.due, expired: plan.expired, rule: plan.rule }).toEqual({
      due: c.due,
      expired: c.expired ?? false,
      rule: c.rule,
    });
  });

  it('spreads renewals by seed, within 1% of the lifetime, the same in every process', () => {
    const input = { notBefore: at(0), notAfter: at(90 * DAY), now: at(0) };
    const times = ['01', '02', '03', '04', '05'].map((seed) =>
      planRenewal({ ...input, seed }).renewAt.getTime(),
    );

    expect(new Set(times).size).toBeGreaterThan(1);
    for (const time of times) {
      expect(time).toBeLessThanOrEqual(T0 + 60 * DAY);
      expect(time).toBeGreaterThanOrEqual(T0 + 60 * DAY - 0.9 * DAY);
    }
    expect(planRenewal({ ...input, seed: '03' }).renewAt.getTime()).toBe(times[2]);
  });
});

describe('planCertificateRenewal', () => {
  it('reads the dates of a real 2-minute certificate with X509Certificate', async () => {
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + 2 * MINUTE);
    const cert = await makeCertificate({ names: ['short.example'], notBefore, notAfter });

    const plan = planCertificateRenewal(cert.certificatePem, { now: notBefore, random: noJitter });

    expect(plan.renewAt).toEqual(new Date(notBefore.getTime() + MINUTE));
    expect(plan.due).toBe(false);
    expect(planCertificateRenewal(cert.certificatePem, { now: notAfter }).expired).toBe(true);
  });
});
