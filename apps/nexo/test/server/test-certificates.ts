import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A throwaway CA made with openssl, to sign test server certificates. */
export interface TestCa {
  certPem: string;
  issue(names: string[], options?: { days?: number }): Promise<TestCertificate>;
}

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/** Creates a CA in `dir`; certificates it issues chain to `certPem`. */
export async function createTestCa(dir: string): Promise<TestCa> {
  const caKey = join(dir, 'test-ca.key');
  const caCert = join(dir, 'test-ca.pem');
  await run('openssl', [
    ...['req', '-x509', ...EC, '-keyout', caKey, '-out', caCert, '-days', '2'],
    ...['-subj', '/CN=Nexo server test CA'],
  ]);

  let serial = 0;
  return {
    certPem: await readFile(caCert, 'utf8'),
    async issue(names, options = {}) {
      serial += 1;
      const base = join(dir, `leaf-${serial}`);
      await writeFile(
        `${base}.ext`,
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}\n` +
          'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
      );
      await run('openssl', [
        ...['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`],
        ...['-subj', `/CN=${names[0]}`],
      ]);
      await run('openssl', [
        ...['x509', '-req', '-in', `${base}.csr`, '-CA', caCert, '-CAkey', caKey],
        ...['-set_serial', String(1000 + serial), '-out', `${base}.pem`],
        ...['-days', String(options.days ?? 1), '-extfile', `${base}.ext`],
      ]);
      return {
        certificatePem: await readFile(`${base}.pem`, 'utf8'),
        privateKeyPem: await readFile(`${base}.key`, 'utf8'),
      };
    },
  };
}
