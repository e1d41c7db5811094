import { describe, expect, it } from 'vitest';
import { send, startProxy, startUpstream } from './harness.js';

async function upstreamWith(headers: Record<string, string>) {
  return startUpstream((_req, res) => {
    res.writeHead(200, headers).end('ok');
  });
}

describe('cache policy', () => {
  const cases: Array<{
    name: string;
    policy: string | undefined;
    upstream: Record<string, string>;
    request?: Record<string, string>;
    expected: string | undefined;
  }> = [
    { name: 'no policy adds nothing', policy: undefined, upstream: {}, expected: undefined },
    {
      name: 'policy added when the upstream sent none',
      policy: 'public, max-age=60',
      upstream: {},
      expected: 'public, max-age=60',
    },
    {
      name: "upstream's own header wins",
      policy: 'public, max-age=60',
      upstream: { 'cache-control': 'private, max-age=5' },
      expected: 'private, max-age=5',
    },
    {
      name: 'never public with Set-Cookie',
      policy: 'public, max-age=60',
      upstream: { 'set-cookie': 'session=1' },
      expected: undefined,
    },
    {
      name: 'never public for a request with Authorization',
      policy: 's-maxage=60',
      upstream: {},
      request: { authorization: 'Bearer t' },
      expected: undefined,
    },
    {
      name: 'a private policy still applies with Set-Cookie',
      policy: 'no-store',
      upstream: { 'set-cookie': 'session=1' },
      expected: 'no-store',
    },
  ];

  it.each(cases)('$name', async ({ policy, upstream, request, expected }) => {
    const up = await upstreamWith(upstream);
    const proxied = await startProxy({
      upstreams: [up.origin],
      cachePolicy: policy === undefined ? undefined : { cacheControl: policy },
    });

    const reply = await send(proxied.port, { headers: request });

    expect(reply.headers['cache-control']).toBe(expected);
  });
});
