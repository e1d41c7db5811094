import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect as connectHttp2, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateCache } from '../src/certificate-cache.js';
import { CertificateError } from '../src/errors.js';
import { certificateCovers } from '../src/name-match.js';
import { makeCertificate, type TestCertificate } from './helpers/certificates.js';

const specs = {
  apex: ['example.com'],
  exact: ['a.example.com'],
  wildcard: ['*.example.com'],
  idn: ['xn--bcher-kva.example'],
  ip: ['127.0.0.1'],
  ipv6: ['::1'],
};
type Which = keyof typeof specs;

const certs = {} as Record<Which, TestCertificate>;
const serialOf = (which: Which) => new X509Certificate(certs[which].certificatePem).serialNumber;

beforeAll(async () => {
  for (const [which, names] of Object.entries(specs)) {
    certs[which as Which] = await makeCertificate({ names });
  }
});

function fullCache(): CertificateCache {
  const cache = new CertificateCache();
  for (const [which, names] of Object.entries(specs))
    cache.set({ names, ...certs[which as Which] });
  return cache;
}

describe('CertificateCache.resolve', () => {
  it.each<[string, string | undefined, Which | undefined]>([
    ['exact', 'a.example.com', 'exact'],
    ['apex', 'example.com', 'apex'],
    ['wildcard', 'b.example.com', 'wildcard'],
    ['wildcard is one label deep', 'x.b.example.com', undefined],
    ['upper case', 'A.EXAMPLE.COM', 'exact'],
    ['mixed case under wildcard', 'Zz.Example.Com', 'wildcard'],
    ['trailing dot', 'a.example.com.', 'exact'],
    ['trailing dot under wildcard', 'b.example.com.', 'wildcard'],
    ['IDN in Unicode', 'bücher.example', 'idn'],
    ['IDN upper case with trailing dot', 'BÜCHER.example.', 'idn'],
    ['IDN already punycode', 'xn--bcher-kva.example', 'idn'],
    ['Host header with port', 'a.example.com:8443', 'exact'],
    ['IP literal', '127.0.0.1', 'ip'],
    ['IPv6 literal with port', '[::1]:443', 'ipv6'],
    ['unknown', 'unknown.test', undefined],
    ['sibling of apex', 'example.org', undefined],
    ['empty', '', undefined],
    ['missing', undefined, undefined],
    ['literal wildcard', '*.example.com', undefined],
    ['malformed', 'a..example.com', undefined],
  ])('%s: %j', (_case, servername, expected) => {
    const cache = fullCache();

    const found = cache.resolve(servername);

    expect(found?.serial).toBe(expected === undefined ? undefined : serialOf(expected));
  });

  // Regression (fresh-user test): a host later put under a listed wildcard kept serving
  // its own certificate, which nothing renewed, after it expired.
  it('prefers a valid wildcard over an expired exact certificate', async () => {
    const day = 86_400_000;
    const expired = await makeCertificate({
      names: ['a.example.com'],
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const cache = new CertificateCache();
    cache.set({ names: ['a.example.com'], ...expired });
    cache.set({ names: ['*.example.com'], ...certs.wildcard });

    expect(cache.resolve('a.example.com')?.serial).toBe(serialOf('wildcard'));

    const alone = new CertificateCache();
    alone.set({ names: ['a.example.com'], ...expired });
    expect(alone.resolve('a.example.com')?.names).toEqual(['a.example.com']);
  });

  it('never grows when asked about unknown names', () => {
    const cache = fullCache();

    for (let i = 0; i < 1000; i++) cache.resolve(`host-${i}.unknown.test`);

    expect(cache.size).toBe(Object.keys(specs).length);
    expect(
      cache
        .list()
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(
      Object.values(specs)
        .map((names) => names[0])
        .sort(),
    );
  });

  it('keeps the cached certificate when a bad one is set', () => {
    const cache = fullCache();
    const broken = { names: ['a.example.com'], certificatePem: 'garbage', privateKeyPem: '' };
    const mismatched = { ...certs.exact, privateKeyPem: certs.apex.privateKeyPem };

    expect(() => cache.set(broken)).toThrow(CertificateError);
    expect(() => cache.set({ names: ['a.example.com'], ...mismatched })).toThrow(CertificateError);
    expect(cache.resolve('a.example.com')?.serial).toBe(serialOf('exact'));
  });
});

describe('CertificateCache.sniCallback on a real TLS server', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.close();
    server = undefined;
  });

  async function listen(cache: CertificateCache): Promise<number> {
    server = createServer({ SNICallback: cache.sniCallback }, (socket) => socket.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  function handshake(port: number, servername: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.destroy();
        resolve(serial);
      });
      socket.once('error', reject);
    });
  }

  it('serves by SNI and swaps in a renewed certificate for the next handshake', async () => {
    const cache = fullCache();
    const port = await listen(cache);

    expect(await handshake(port, 'a.example.com')).toBe(serialOf('exact'));
    expect(await handshake(port, 'new.example.com')).toBe(serialOf('wildcard'));

    const renewed = await makeCertificate({ names: ['a.example.com'] });
    cache.set({ names: ['a.example.com'], ...renewed });

    const renewedSerial = new X509Certificate(renewed.certificatePem).serialNumber;
    expect(await handshake(port, 'a.example.com')).toBe(renewedSerial);
    expect(cache.size).toBe(Object.keys(specs).length);
  });

  it('works as the SNICallback of an HTTP/2 server', async () => {
    const cache = fullCache();
    const h2 = createSecureServer({ SNICallback: cache.sniCallback }, (_request, response) => {
      response.end('ok');
    });
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    const { port } = h2.address() as AddressInfo;

    try {
      const client = connectHttp2(`https://127.0.0.1:${port}`, {
        servername: 'b.example.com',
        rejectUnauthorized: false,
      });
      await once(client, 'connect');
      const serial = peerSerial(client.socket);
      client.close();
      expect(serial).toBe(serialOf('wildcard'));
    } finally {
      h2.close();
    }
  });

  it('fails the handshake for an unknown name when the server has no default', async () => {
    const port = await listen(fullCache());

    await expect(handshake(port, 'unknown.test')).rejects.toThrow();
  });
});

function peerSerial(socket: unknown): string | undefined {
  const tlsSocket = socket as { getPeerCertificate?: () => { serialNumber?: string } };
  return tlsSocket.getPeerCertificate?.().serialNumber;
}

describe('certificateCovers', () => {
  it.each<[string[], string, boolean]>([
    [['a.example.com'], 'a.example.com', true],
    [['a.example.com'], 'A.Example.COM.', true],
    [['a.example.com'], 'a.example.com:443', true],
    [['a.example.com'], 'b.example.com', false],
    [['*.example.com'], 'b.example.com', true],
    [['*.example.com'], 'x.b.example.com', false],
    [['*.example.com'], 'example.com', false],
    [['*.example.com', 'example.com'], 'example.com', true],
    [['xn--bcher-kva.example'], 'bücher.example', true],
    [['a.example.com'], '', false],
    [['a.example.com'], 'a.example.com/../', false],
  ])('%j covers %j: %s', (names, host, expected) => {
    expect(certificateCovers(names, host)).toBe(expected);
  });
});
