import { describe, expect, it } from 'vitest';
import type { RedirectSpec } from '../src/index.js';
import { parseRedirect, RouterError, redirectLocation } from '../src/index.js';

describe('parseRedirect and redirectLocation', () => {
  const cases: Array<[string | RedirectSpec, string, string, number]> = [
    ['github.com/you', '/some/path?q=1', 'https://github.com/you', 307],
    ['https://github.com/you', '/x', 'https://github.com/you', 307],
    ['http://example.net', '/x', 'http://example.net/', 307],
    [{ to: 'new.example.com', status: 301 }, '/a?b=c', 'https://new.example.com/', 301],
    [
      { to: 'new.example.com', status: 308, preserve_path: true },
      '/a/b?c=d',
      'https://new.example.com/a/b?c=d',
      308,
    ],
    [
      { to: 'https://new.example.com/base/', preserve_path: true },
      '/a?x',
      'https://new.example.com/base/a?x',
      307,
    ],
    [{ to: 'new.example.com', preserve_path: true }, '/', 'https://new.example.com/', 307],
    [
      { to: 'new.example.com', preserve_path: true },
      'http://evil.test/steal',
      'https://new.example.com/',
      307,
    ],
    [{ to: 'Bücher.example/x', status: 302 }, '/', 'https://xn--bcher-kva.example/x', 302],
  ];

  it.each(cases)('%j for %s -> %s (%i)', (value, requestPath, location, status) => {
    const redirect = parseRedirect(value, 'example.com');
    expect(redirectLocation(redirect, requestPath)).toBe(location);
    expect(redirect.status).toBe(status);
  });

  it('gives explicit cache headers: short for permanent, none for temporary', () => {
    expect(parseRedirect({ to: 'a.example', status: 301 }).cacheControl).toBe(
      'public, max-age=3600',
    );
    expect(parseRedirect('a.example').cacheControl).toBe('no-store');
  });

  const bad: Array<[unknown, string]> = [
    [{ to: 'a.example', status: 200 }, 'status 200'],
    [{ to: 'a.example', status: 305 }, 'status 305'],
    ['ftp://a.example/', 'http(s)'],
    ['https://user:pw@a.example/', 'credentials'],
    ['bad host.example', 'not a URL'],
    [{ to: 'a.example/?q=1', preserve_path: true }, 'query'],
    [{}, 'needs a target'],
  ];

  it.each(bad)('rejects %j (%s)', (value, fragment) => {
    let error: unknown;
    try {
      parseRedirect(value as RedirectSpec, 'old.example.com');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RouterError);
    expect(error).toMatchObject({ code: 'invalid_redirect', host: 'old.example.com' });
    expect((error as Error).message).toContain('old.example.com');
    expect((error as Error).message).toContain(fragment);
  });
});
