/**
 * A throwaway PKI for the test control plane. Keys come from node:crypto; certificates are
 * signed with the `openssl` CLI, because Node can parse X.509 but not issue it.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Certificates only need to outlive a test run; a week covers a control plane left up for debugging. */
const VALIDITY_DAYS = '7';

/** A PEM certificate and its PKCS#8 private key, on disk. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** The files the control plane is started with, all under one directory. */
export interface Pki {
  readonly ca: KeyPair;
  /** Serving certificate for 127.0.0.1 and localhost. */
  readonly serving: KeyPair;
  /** Admin client certificate (O=system:masters). */
  readonly admin: KeyPair;
  /**
   * kube-controller-manager's client certificate (CN=system:kube-controller-manager, the user the
   * API server's bootstrap RBAC binds); its controllers then act as their own service accounts.
   */
  readonly controllerManager: KeyPair;
  /** Service-account token signing key (private) and verification key (public). */
  readonly serviceAccount: { readonly key: string; readonly pub: string };
}

/** What a client certificate says about its holder: the user name (CN) and groups (O). */
export interface Identity {
  readonly user: string;
  readonly groups?: readonly string[];
}

/** pkiFiles names the files of the PKI in `dir`, whether or not they exist yet. */
export function pkiFiles(dir: string): Pki {
  const pair = (name: string): KeyPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    ca: pair('ca'),
    serving: pair('serving'),
    admin: pair('admin'),
    controllerManager: pair('kube-controller-manager'),
    serviceAccount: { key: join(dir, 'sa.key'), pub: join(dir, 'sa.pub') },
  };
}

/** createPki writes a fresh CA and everything signed by it into `dir`. */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const pki = pkiFiles(dir);
  await writeKey(pki.ca.key);
  await openssl(pki.ca, { user: 'ontap-kms-testenv-ca' }, [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign',
  ]);
  await Promise.all([
    issue(pki.ca, pki.serving, { user: 'kube-apiserver' }, [
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
    ]),
    issueClientCert(pki.ca, pki.admin, { user: 'ontap-kms-testenv-admin', groups: ['system:masters'] }),
    issueClientCert(pki.ca, pki.controllerManager, { user: 'system:kube-controller-manager' }),
    writeServiceAccountKeys(pki.serviceAccount),
  ]);
  return pki;
}

/**
 * Characters with no meaning in an OpenSSL config value (no $ expansion, quoting or escapes), at
 * most 64 of them: X.509's upper bound for CN and O, which OpenSSL enforces. So a service account
 * identity, system:serviceaccount:NAMESPACE:NAME, leaves 41 characters for NAMESPACE and NAME.
 */
const SAFE_NAME = /^[\w.:@-]{1,64}$/;

/** issueClientCert signs a client certificate for `identity` with the CA. */
export async function issueClientCert(ca: KeyPair, out: KeyPair, identity: Identity): Promise<void> {
  const bad = [identity.user, ...(identity.groups ?? [])].find((n) => !SAFE_NAME.test(n));
  if (bad !== undefined) throw new Error(`certificate subject "${bad}": want 1 to 64 of letters, digits and . _ : @ -`);
  await issue(ca, out, identity, ['extendedKeyUsage = clientAuth']);
}

async function issue(ca: KeyPair, out: KeyPair, identity: Identity, extensions: readonly string[]): Promise<void> {
  await writeKey(out.key);
  await openssl(out, identity, ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', ...extensions], ca);
}

async function writeKey(file: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

async function writeServiceAccountKeys(files: Pki['serviceAccount']): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(files.pub, publicKey.export({ type: 'spki', format: 'pem' }));
}

/**
 * openssl writes `out.cert` for the key `out.key`: self-signed when `ca` is absent, else signed
 * by it (OpenSSL 3's `req -CA`). The subject and extensions go through a config file rather than
 * -subj, which makes several O= values easy and needs no escaping (see SAFE_NAME).
 */
async function openssl(out: KeyPair, identity: Identity, extensions: readonly string[], ca?: KeyPair): Promise<void> {
  const config = `${out.cert}.cnf`;
  await writeFile(config, opensslConfig(identity, extensions));
  try {
    await run('openssl', [
      'req', '-new', '-x509', '-config', config, '-extensions', 'ext', '-key', out.key,
      '-days', VALIDITY_DAYS, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-out', out.cert,
      ...(ca === undefined ? [] : ['-CA', ca.cert, '-CAkey', ca.key]),
    ]);
  } catch (err) {
    throw new Error(`openssl: issue certificate for ${identity.user}`, { cause: err });
  } finally {
    await rm(config, { force: true });
  }
}

function opensslConfig(identity: Identity, extensions: readonly string[]): string {
  return [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    '[dn]',
    // Repeated fields need a distinct "N." prefix to be kept apart in a config section.
    ...(identity.groups ?? []).map((g, i) => `${i}.O = ${g}`),
    `CN = ${identity.user}`,
    '[ext]',
    'subjectKeyIdentifier = hash',
    ...extensions,
    '',
  ].join('\n');
}

/** readPemBase64 reads a PEM file as base64, the form kubeconfig's *-data fields take. */
export async function readPemBase64(file: string): Promise<string> {
  return (await readFile(file)).toString('base64');
}
