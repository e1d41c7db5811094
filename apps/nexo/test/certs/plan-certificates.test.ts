import { describe, expect, it } from 'vitest';
import { type PlannedCertificate, planCertificates } from '../../src/certs/plan-certificates.js';

interface Case {
  name: string;
  hosts: string[];
  wildcards: string[];
  expected: PlannedCertificate[];
}

const cases: Case[] = [
  {
    name: 'the original nexo example: wildcard covers both proxies, apex joins its order',
    hosts: ['api.example.com', 'blog.example.com', 'example.com'],
    wildcards: ['*.example.com'],
    expected: [{ name: '*.example.com', domains: ['*.example.com', 'example.com'] }],
  },
  {
    name: 'no wildcard: one certificate per host',
    hosts: ['b.example.com', 'a.example.com'],
    wildcards: [],
    expected: [
      { name: 'a.example.com', domains: ['a.example.com'] },
      { name: 'b.example.com', domains: ['b.example.com'] },
    ],
  },
  {
    name: 'apex not a host: the wildcard alone',
    hosts: ['api.example.com'],
    wildcards: ['*.example.com'],
    expected: [{ name: '*.example.com', domains: ['*.example.com'] }],
  },
  {
    name: 'a wildcard no host needs is not requested',
    hosts: ['example.org'],
    wildcards: ['*.example.com'],
    expected: [{ name: 'example.org', domains: ['example.org'] }],
  },
  {
    name: 'a deeper host is not covered by a one-label wildcard',
    hosts: ['a.b.example.com', 'b.example.com'],
    wildcards: ['*.example.com'],
    expected: [
      { name: '*.example.com', domains: ['*.example.com'] },
      { name: 'a.b.example.com', domains: ['a.b.example.com'] },
    ],
  },
  {
    name: 'a wildcard host key gets its wildcard certificate without being listed',
    hosts: ['*.apps.example.com', 'x.apps.example.com', 'apps.example.com'],
    wildcards: [],
    expected: [{ name: '*.apps.example.com', domains: ['*.apps.example.com', 'apps.example.com'] }],
  },
  {
    name: 'two wildcards, two zones, an unrelated host',
    hosts: ['a.example.com', 'b.example.net', 'example.net', 'other.test'],
    wildcards: ['*.example.com', '*.example.net'],
    expected: [
      { name: '*.example.com', domains: ['*.example.com'] },
      { name: '*.example.net', domains: ['*.example.net', 'example.net'] },
      { name: 'other.test', domains: ['other.test'] },
    ],
  },
  {
    name: 'an apex without hosts under its listed wildcard keeps its own certificate',
    hosts: ['example.com'],
    wildcards: ['*.example.com'],
    expected: [{ name: 'example.com', domains: ['example.com'] }],
  },
  {
    name: 'IP addresses get no certificate (DNS-01 cannot prove them)',
    hosts: ['127.0.0.1', '[::1]', 'a.example.com'],
    wildcards: [],
    expected: [{ name: 'a.example.com', domains: ['a.example.com'] }],
  },
  {
    name: 'no hosts: nothing to request',
    hosts: [],
    wildcards: ['*.example.com'],
    expected: [],
  },
];

describe('planCertificates', () => {
  it.each(cases)('$name', ({ hosts, wildcards, expected }) => {
    expect(planCertificates({ hosts, wildcards })).toEqual(expected);
  });

  it('gives the same plan whatever the order of hosts', () => {
    const hosts = ['example.com', 'blog.example.com', 'z.test', 'api.example.com'];
    const forward = planCertificates({ hosts, wildcards: ['*.example.com'] });
    const backward = planCertificates({
      hosts: [...hosts].reverse(),
      wildcards: ['*.example.com'],
    });
    expect(backward).toEqual(forward);
  });
});
