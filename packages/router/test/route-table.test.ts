import { describe, expect, it } from 'vitest';
import { createRouteTable, RouterError } from '../src/index.js';

describe('createRouteTable', () => {
  const table = createRouteTable([
    ['api.example.com', 'api'],
    ['*.example.com', 'wild'],
    ['Bücher.Example', 'idn'],
    ['*.apps.example.org', 'apps'],
    ['example.com', 'apex'],
  ]);

  const cases: Array<[string, string | undefined]> = [
    ['api.example.com', 'api'],
    ['API.Example.COM:443', 'api'],
    ['api.example.com.', 'api'],
    ['blog.example.com', 'wild'],
    ['Blog.EXAMPLE.com:8443', 'wild'],
    ['example.com', 'apex'],
    ['a.b.example.com', undefined],
    ['bücher.example', 'idn'],
    ['BÜCHER.example', 'idn'],
    ['xn--bcher-kva.example', 'idn'],
    ['one.apps.example.org', 'apps'],
    ['apps.example.org', undefined],
    ['xexample.com', undefined],
    ['unknown.test', undefined],
    ['bad host', undefined],
    ['', undefined],
  ];

  it.each(cases)('match(%j) -> %j', (host, expected) => {
    expect(table.match(host)).toBe(expected);
  });

  it('lists normalised patterns and is frozen', () => {
    expect(table.size).toBe(5);
    expect(table.patterns()).toEqual([
      'api.example.com',
      '*.example.com',
      'xn--bcher-kva.example',
      '*.apps.example.org',
      'example.com',
    ]);
    expect(Object.isFrozen(table)).toBe(true);
  });

  it('finds every pattern by its own normalised name (used to walk a table)', () => {
    for (const pattern of table.patterns()) {
      expect(table.matchNormalized(pattern), pattern).toBeDefined();
    }
    expect(table.matchNormalized('*.example.com')).toBe('wild');
  });

  it('prefers the exact host over the wildcard regardless of order', () => {
    const reversed = createRouteTable([
      ['*.example.com', 'wild'],
      ['api.example.com', 'api'],
    ]);
    expect(reversed.match('api.example.com')).toBe('api');
  });

  const bad: Array<[string, string]> = [
    ['exa mple.com', 'invalid_host_pattern'],
    ['*.*.example.com', 'invalid_host_pattern'],
    ['a.*.example.com', 'invalid_host_pattern'],
    ['[::1]', 'invalid_host_pattern'],
    ['', 'invalid_host_pattern'],
  ];

  it.each(bad)('rejects %j with %s naming the host', (pattern, code) => {
    const error = catchError(() => createRouteTable([[pattern, 1]]));
    expect(error).toBeInstanceOf(RouterError);
    expect(error).toMatchObject({ code, host: pattern });
  });

  it('rejects the same host written twice', () => {
    const error = catchError(() =>
      createRouteTable([
        ['App.example.com', 1],
        ['app.example.com.', 2],
      ]),
    );
    expect(error).toMatchObject({ code: 'duplicate_route', host: 'app.example.com.' });
    expect((error as Error).message).toContain('app.example.com');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
