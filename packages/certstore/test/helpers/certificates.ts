import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export interface CertificateSpec {
  names: string[];
  notBefore?: Date;
  notAfter?: Date;
  keyType?: 'ec' | 'rsa';
}

/** A temp directory removed by the returned function. */
export async function makeTempDir(label: string) {
  const path = await mkdtemp(join(tmpdir(), `nexo-certstore-${label}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * A self-signed certificate with exactly the given names and validity, made with the
 * openssl CLI (`openssl ca -selfsign` is what lets us pick minutes-long validity).
 */
export async function makeCertificate(spec: CertificateSpec): Promise<TestCertificate> {
  const work = join(tmpdir(), `nexo-cert-${randomBytes(6).toString('hex')}`);
  await mkdir(work);
  try {
    const privateKeyPem = makeKey(spec.keyType ?? 'ec');
    await writeFile(join(work, 'key.pem'), privateKeyPem);
    await writeFile(join(work, 'index.txt'), '');
    await writeFile(join(work, 'serial'), `${randomBytes(8).toString('hex')}\n`);
    await writeFile(join(work, 'ca.cnf'), caConfig(work, spec.names));

    const first = spec.names[0] ?? 'test';
    const subject = `/CN=${first.replace(/[^\x20-\x7e]/g, '_').slice(0, 60)}`;
    await run('openssl', ['req', '-new', '-key', 'key.pem', '-subj', subject, '-out', 'csr.pem'], {
      cwd: work,
    });

    const notBefore = spec.notBefore ?? new Date(Date.now() - 60_000);
    const notAfter = spec.notAfter ?? new Date(Date.now() + 90 * 86_400_000);
    await run(
      'openssl',
      [
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-selfsign',
        '-keyfile',
        'key.pem',
        '-in',
        'csr.pem',
        '-startdate',
        asn1Time(notBefore),
        '-enddate',
        asn1Time(notAfter),
        '-extensions',
        'leaf',
        '-notext',
        '-out',
        'cert.pem',
      ],
      { cwd: work },
    );
    return { certificatePem: await readFile(join(work, 'cert.pem'), 'utf8'), privateKeyPem };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function makeKey(type: 'ec' | 'rsa'): string {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function caConfig(work: string, names: string[]): string {
  const altNames = names
    .map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`))
    .join(',');
  return [
    '[ca]',
    'default_ca = test_ca',
    '[test_ca]',
    `database = ${work}/index.txt`,
    `new_certs_dir = ${work}`,
    `serial = ${work}/serial`,
    'default_md = sha256',
    'policy = any_policy',
    'unique_subject = no',
    'email_in_dn = no',
    '[any_policy]',
    'commonName = supplied',
    '[leaf]',
    'basicConstraints = CA:FALSE',
    `subjectAltName = ${altNames}`,
    '',
  ].join('\n');
}

/** GeneralizedTime, e.g. 20261204164200Z. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
