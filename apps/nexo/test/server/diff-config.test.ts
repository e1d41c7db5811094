import { describe, expect, it } from 'vitest';
import { diffConfig } from '../../src/server/diff-config.js';
import { makeConfig, redirect, upstream } from './config-fixture.js';

const base = makeConfig({
  certDir: '/tmp/nexo-test',
  proxies: [
    upstream('a.example.com', 'http://127.0.0.1:3001'),
    upstream('b.example.com', 'http://127.0.0.1:3002'),
    redirect('example.com', 'https://example.org'),
  ],
});

describe('diffConfig', () => {
  it('reports nothing for the same config', () => {
    expect(diffConfig(base, base)).toEqual({
      added: [],
      changed: [],
      removed: [],
      restartRequired: [],
    });
  });

  it('reports added, changed and removed hosts', () => {
    const next = makeConfig({
      certDir: '/tmp/nexo-test',
      proxies: [
        upstream('a.example.com', 'http://127.0.0.1:3009'),
        redirect('example.com', 'https://example.org'),
        upstream('c.example.com', 'http://127.0.0.1:3003'),
      ],
    });
    expect(diffConfig(base, next)).toEqual({
      added: ['c.example.com'],
      changed: ['a.example.com'],
      removed: ['b.example.com'],
      restartRequired: [],
    });
  });

  it('ignores an entry that only moved in the file', () => {
    const moved = { ...upstream('a.example.com', 'http://127.0.0.1:3001'), position: 'x:9:1' };
    const next = makeConfig({
      certDir: '/tmp/nexo-test',
      proxies: [moved, ...base.proxies.slice(1)],
    });
    expect(diffConfig(base, next).changed).toEqual([]);
  });

  it('lists settings that need a restart', () => {
    const next = makeConfig({
      certDir: '/tmp/other',
      proxies: base.proxies,
      listen: { https: { host: '127.0.0.1', port: 8443, text: '127.0.0.1:8443' }, http: undefined },
    });
    expect(diffConfig(base, next).restartRequired).toEqual(['listen.https', 'storage']);
  });
});
