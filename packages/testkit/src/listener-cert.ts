import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a throwaway CA and a `localhost`/`127.0.0.1` server certificate it signed. */
export interface ListenerCert {
  caCertPem: string;
  certFile: string;
  keyFile: string;
}

/**
 * Generates, with openssl, the TLS certificate Pebble serves its directory with. The
 * Debian package ships none, and a fresh CA per start means a test that trusts the wrong
 * CA fails instead of passing by accident.
 */
export async function createListenerCert(dir: string): Promise<ListenerCert> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.pem');
  const keyFile = join(dir, 'listener.key');
  const csrFile = join(dir, 'listener.csr');
  const certFile = join(dir, 'listener.pem');
  const extFile = join(dir, 'listener.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  await openssl(
    ['req', '-x509', ...ec, '-keyout', caKey, '-out', caCert, '-days', '7'].concat([
      '-subj',
      '/CN=Nexo testkit listener CA',
    ]),
  );
  await openssl(['req', ...ec, '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=localhost']);
  await writeFile(
    extFile,
    [
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      'basicConstraints=CA:FALSE',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  await openssl(
    ['x509', '-req', '-in', csrFile, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial'].concat([
      '-out',
      certFile,
      '-days',
      '7',
      '-extfile',
      extFile,
    ]),
  );

  return { caCertPem: await readFile(caCert, 'utf8'), certFile, keyFile };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed: is openssl installed?`, { cause: error });
  }
}
