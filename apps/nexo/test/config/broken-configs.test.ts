// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text with ${NAME} references
import { describe, expect, test } from 'vitest';
import { ConfigError, formatProblem, parseConfig } from '../../src/config/index.js';

const GOOD_CLOUDFLARE = 'cloudflare:\n  api_token: t\n';

/** Each broken file and the exact lines `nexo validate` must print for it. */
const CASES: Array<{
  name: string;
  yaml: string;
  env?: Record<string, string>;
  expected: string[];
}> = [
  {
    name: 'upstream without a scheme (crashed the original nexo)',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  "api.example.com":\n    upstream: 127.0.0.1:3000\n`,
    expected: [
      'config.yaml:5:15: proxies."api.example.com".upstream: must be an http(s) URL; did you mean "http://127.0.0.1:3000"?',
    ],
  },
  {
    name: 'upstream with another scheme',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstreams: [ftp://10.0.0.1]\n`,
    expected: [
      'config.yaml:5:17: proxies."a.example.com".upstreams[0]: must be an http(s) URL such as http://127.0.0.1:3000 (got "ftp://10.0.0.1")',
    ],
  },
  {
    name: 'misspelt top-level key',
    yaml: `${GOOD_CLOUDFLARE}proxys: {}\n`,
    expected: ['config.yaml:3:1: proxys: unknown key; did you mean "proxies"?'],
  },
  {
    name: 'misspelt proxy key',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstrem: http://127.0.0.1:1\n`,
    expected: [
      'config.yaml:4:3: proxies."a.example.com": needs an upstream (http://host:port) or a redirect',
      'config.yaml:5:5: proxies."a.example.com".upstrem: unknown key; did you mean "upstream"?',
    ],
  },
  {
    name: 'camelCase key',
    yaml: 'cloudflare:\n  apiToken: t\n',
    expected: [
      'config.yaml:1:1: cloudflare.api_token: is required (or api_token_file)',
      'config.yaml:2:3: cloudflare.apiToken: unknown key; did you mean "api_token"?',
    ],
  },
  {
    name: 'environment variable not set',
    yaml: 'cloudflare:\n  api_token: ${CF_API_TOKEN}\n',
    expected: [
      'config.yaml:2:14: cloudflare.api_token: environment variable CF_API_TOKEN is not set (or write ${CF_API_TOKEN:-default})',
    ],
  },
  {
    name: 'duration without a unit',
    yaml: `${GOOD_CLOUDFLARE}write_timeout: 30\nshutdown:\n  deadline: soon\n`,
    expected: [
      'config.yaml:3:16: write_timeout: must be a duration with a unit, such as 30s, 5m, 1h30m or 0s (got 30)',
      'config.yaml:5:13: shutdown.deadline: must be a duration with a unit, such as 30s, 5m, 1h30m or 0s (got "soon")',
    ],
  },
  {
    name: 'size with an unknown unit',
    yaml: `${GOOD_CLOUDFLARE}limits:\n  max_body: 10 parsecs\n`,
    expected: [
      'config.yaml:4:13: limits.max_body: must be a size such as 512KB, 10MB or 1GB (got "10 parsecs")',
    ],
  },
  {
    name: 'invalid host name',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  "bad host!":\n    upstream: http://127.0.0.1:1\n`,
    expected: [
      'config.yaml:4:3: proxies."bad host!": is not a valid host name (write it like "app.example.com")',
    ],
  },
  {
    name: 'the same host twice in different case',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  App.Example.com:\n    upstream: http://127.0.0.1:1\n  app.example.com.:\n    upstream: http://127.0.0.1:2\n`,
    expected: [
      'config.yaml:6:3: proxies."app.example.com.": is the same host as proxies."App.Example.com" (line 4)',
    ],
  },
  {
    name: 'upstream and redirect together',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstream: http://127.0.0.1:1\n    redirect: example.org\n`,
    expected: [
      'config.yaml:6:5: proxies."a.example.com".redirect: set either an upstream or a redirect, not both',
    ],
  },
  {
    name: 'YAML syntax error',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstream: "http://127.0.0.1:1\n`,
    expected: ['config.yaml:6:1: YAML syntax error: Missing closing "quote'],
  },
  {
    name: 'the same key twice',
    yaml: `${GOOD_CLOUDFLARE}staging: true\nstaging: false\n`,
    expected: ['config.yaml:4:1: the same key appears twice in this mapping'],
  },
  {
    name: 'enum typo',
    yaml: `${GOOD_CLOUDFLARE}log:\n  level: debgu\n`,
    expected: [
      'config.yaml:4:10: log.level: must be one of trace, debug, info, warn, error, fatal, silent (got "debgu"); did you mean "debug"?',
    ],
  },
  {
    name: 'no cloudflare section',
    yaml: 'proxies: {}\n',
    expected: ['config.yaml:1:1: cloudflare: is required'],
  },
  {
    name: 'empty file',
    yaml: '# nothing yet\n',
    expected: ['config.yaml:1:1: the file is empty; see the README for an example config'],
  },
  {
    name: 'token inline and from a file',
    yaml: 'cloudflare:\n  api_token: t\n  api_token_file: /nonexistent/token\n',
    expected: [
      'config.yaml:3:3: cloudflare.api_token_file: set either api_token or api_token_file, not both',
    ],
  },
  {
    name: 'token file missing',
    yaml: 'cloudflare:\n  api_token_file: /nonexistent/token\n',
    expected: [
      'config.yaml:2:19: cloudflare.api_token_file: cannot read /nonexistent/token (ENOENT)',
    ],
  },
  {
    name: 'wildcard without its star',
    yaml: `${GOOD_CLOUDFLARE}wildcards: [example.com]\n`,
    expected: [
      'config.yaml:3:13: wildcards[0]: must be a one-label wildcard name such as "*.example.com" (got "example.com")',
    ],
  },
  {
    name: 'redis storage without a URL, file storage with redis keys',
    yaml: `${GOOD_CLOUDFLARE}storage:\n  type: redis\n  prefix: x\n`,
    expected: ['config.yaml:3:1: storage.url: is required with storage.type: redis'],
  },
  {
    name: 'file storage with a redis key',
    yaml: `${GOOD_CLOUDFLARE}storage:\n  url: redis://127.0.0.1:6379\n`,
    expected: ['config.yaml:4:3: storage.url: only applies with storage.type: redis'],
  },
  {
    name: 'sizes beyond what HTTP/2 and exact integers allow (crashed at the first h2 connection)',
    yaml: `${GOOD_CLOUDFLARE}limits:\n  max_body: 99999999999999999999GB\n  max_header: 4GB\n`,
    expected: [
      'config.yaml:4:13: limits.max_body: is too large to count exactly; use at most 1000000GB',
      'config.yaml:5:15: limits.max_header: must be less than 4GB, the most HTTP/2 can announce',
    ],
  },
  {
    name: 'an empty upstream list',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstreams: []\n`,
    expected: ['config.yaml:5:16: proxies."a.example.com".upstreams: must not be an empty list'],
  },
  {
    name: 'a duration longer than a timer can wait (it would fire at once)',
    yaml: `${GOOD_CLOUDFLARE}renewal:\n  check_interval: 30d\n  backoff_max: 24d\n`,
    expected: [
      'config.yaml:4:19: renewal.check_interval: must be at most 24d, the longest wait a timer allows (got "30d")',
    ],
  },
  {
    name: 'URLs with credentials are quoted without them',
    yaml: `${GOOD_CLOUDFLARE}  api_url: "ftp://u:token@127.0.0.1/v4"\nstorage:\n  type: redis\n  url: "http://:pw@a@127.0.0.1:6379"\n`,
    expected: [
      'config.yaml:3:12: cloudflare.api_url: must be an http(s) URL such as https://host/path (got "ftp://***@127.0.0.1/v4")',
      'config.yaml:6:8: storage.url: must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (got "http://***@127.0.0.1:6379")',
    ],
  },
  {
    name: 'bad listen address and trusted proxy',
    yaml: `${GOOD_CLOUDFLARE}listen:\n  https: 443\n  http: "host:99999"\ntrusted_proxies: [10.0.0.0/33]\n`,
    expected: [
      'config.yaml:4:10: listen.https: must be ":port" or "host:port", such as ":443" or "127.0.0.1:8443" (got 443)',
      'config.yaml:5:9: listen.http: must be ":port" or "host:port", such as ":443" or "127.0.0.1:8443" (got "host:99999")',
      'config.yaml:6:19: trusted_proxies[0]: must be an IP address or a CIDR range such as "10.0.0.0/8" or "::1/128" (got "10.0.0.0/33")',
    ],
  },
  {
    name: 'every problem of a file at once, in file order',
    yaml: 'cloudflare:\n  api_token: t\n  zone: z\nproxies:\n  a.example.com:\n    upstream: localhost:8080\n  b.example.com:\n    redirect: {status: 301}\nlog:\n  format: xml\n',
    expected: [
      'config.yaml:3:3: cloudflare.zone: unknown key; did you mean "zone_id"?',
      'config.yaml:6:15: proxies."a.example.com".upstream: must be an http(s) URL; did you mean "http://localhost:8080"?',
      'config.yaml:8:5: proxies."b.example.com".redirect.to: is required',
      'config.yaml:10:11: log.format: must be one of json, pretty (got "xml")',
    ],
  },
  {
    name: 'upstream with a path (the proxy keeps each request path as it is)',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstream: http://127.0.0.1:3000/app\n`,
    expected: [
      'config.yaml:5:15: proxies."a.example.com".upstream: must not have a path: requests are forwarded with their own path; use "http://127.0.0.1:3000" (got "http://127.0.0.1:3000/app")',
    ],
  },
  {
    name: 'upstream with credentials, which are not echoed',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    upstream: http://u:pw@127.0.0.1:3000\n`,
    expected: [
      'config.yaml:5:15: proxies."a.example.com".upstream: must not hold a user or password; the proxy does not send credentials upstream (got "http://***@127.0.0.1:3000")',
    ],
  },
  {
    name: 'a host with nothing under it (its upstream line commented out)',
    yaml: `${GOOD_CLOUDFLARE}proxies:\n  a.example.com:\n    # upstream: http://127.0.0.1:3000\n  b.example.com:\n    upstream: http://127.0.0.1:3001\n`,
    expected: [
      'config.yaml:4:3: proxies."a.example.com": has no settings; give it an upstream or a redirect',
    ],
  },
  {
    name: 'a numeric token is not echoed and the fix is named',
    yaml: 'cloudflare:\n  api_token: 31415926535897932384626\n',
    expected: [
      'config.yaml:2:14: cloudflare.api_token: must be text; put the value in quotes (got a number)',
    ],
  },
  {
    name: 'aliases that expand exponentially are refused before they expand',
    yaml: `${GOOD_CLOUDFLARE}x0: &a [x, x, x, x, x, x, x, x, x]\nx1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nx2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nx3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nx4: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nx5: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\nx6: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n`,
    expected: [
      'config.yaml:5:9: x3[0][0]: more than 100 alias uses (*name); write the values out instead',
    ],
  },
];

describe('broken config files', () => {
  test.each(CASES)('$name', ({ yaml, env, expected }) => {
    const error = captureError(() =>
      parseConfig({ path: 'config.yaml', text: yaml, env: env ?? {} }),
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('CONFIG_INVALID');
    const errors = error.problems.filter((problem) => problem.severity === 'error');
    expect(errors.map(formatProblem)).toEqual(expected);
  });
});

function captureError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected the config to be rejected, it loaded');
}
