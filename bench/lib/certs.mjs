import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Creates a local CA and one certificate per site, signed by it, in the layout the
 * Go nexo used and Nexo loads: `<certDir>/<name>.crt` (full chain) + `<name>.key`.
 * Also writes `<certDir>/../haproxy-certs/<i>.pem` (chain + key), the form haproxy reads.
 * @param {{ workDir: string, sites: import('./sites.mjs').Site[], keyType: string }} options
 */
export function createCertificates(options) {
  const caDir = path.join(options.workDir, 'ca');
  const haproxyDir = path.join(options.workDir, 'haproxy-certs');
  mkdirSync(caDir, { recursive: true });
  mkdirSync(haproxyDir, { recursive: true });
  const keyArgs = keyGenArgs(options.keyType);

  const caKey = path.join(caDir, 'ca.key');
  const caCrt = path.join(caDir, 'ca.crt');
  openssl(['genpkey', ...keyArgs, '-out', caKey]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-out',
    caCrt,
    '-days',
    '30',
    '-subj',
    '/CN=Nexo bench local CA',
  ]);

  for (const site of options.sites) {
    issue({ site, caKey, caCrt, caDir, keyArgs });
    const pem = readFileSync(site.certFile, 'utf8') + readFileSync(site.keyFile, 'utf8');
    writeFileSync(path.join(haproxyDir, `s${site.index}.pem`), pem, { mode: 0o600 });
  }
  return { caCrt, haproxyDir };
}

function issue({ site, caKey, caCrt, caDir, keyArgs }) {
  const csr = path.join(caDir, `s${site.index}.csr`);
  const ext = path.join(caDir, `s${site.index}.ext`);
  const leaf = path.join(caDir, `s${site.index}.crt`);
  writeFileSync(ext, `subjectAltName=DNS:${site.wildcard}\nextendedKeyUsage=serverAuth\n`);

  openssl(['genpkey', ...keyArgs, '-out', site.keyFile]);
  chmodSync(site.keyFile, 0o600);
  openssl(['req', '-new', '-key', site.keyFile, '-out', csr, '-subj', `/CN=${site.wildcard}`]);
  // 60 days keeps every certificate outside a 30-day renewal window: nothing is renewed.
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCrt,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '60',
    '-extfile',
    ext,
    '-out',
    leaf,
  ]);
  writeFileSync(site.certFile, readFileSync(leaf, 'utf8') + readFileSync(caCrt, 'utf8'));
  chmodSync(site.certFile, 0o600);
}

function keyGenArgs(keyType) {
  if (keyType === 'ec256') return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  if (keyType === 'rsa2048') return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  throw new Error(`key type ${keyType}: expected ec256 or rsa2048`);
}

function openssl(args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
