/**
 * Kubeconfigs for the test control plane. Every identity, service accounts included, is a client
 * certificate signed by the control plane's CA: the API server's x509 authenticator takes the
 * user from CN and the groups from O, so RBAC sees exactly the identity a test asks for.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { issueClientCert, pkiFiles, readPemBase64, type Identity, type KeyPair } from './certs.js';
import { layout, readState } from './state.js';

export type { Identity } from './certs.js';

/**
 * serviceAccount is the identity the API server gives the service account NAMESPACE/NAME
 * (the groups are those a token for it would carry).
 */
export function serviceAccount(namespace: string, name: string): Identity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
}

/**
 * kubeconfigFor issues a client certificate for `identity` and writes a self-contained kubeconfig
 * for the control plane running in `dir`; returns its path (under DIR/users/).
 */
export async function kubeconfigFor(dir: string, identity: Identity): Promise<string> {
  const state = await readState(dir);
  if (state === undefined) throw new Error(`kubeconfig for ${identity.user}: no control plane in ${dir}`);
  const paths = layout(dir);
  await mkdir(paths.users, { recursive: true });
  // One file per distinct identity: ':' is KUBECONFIG's list separator, so keep it out of names.
  const id = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 8);
  const base = join(paths.users, `${identity.user.replaceAll(':', '_')}-${id}`);
  const pair = { cert: `${base}.crt`, key: `${base}.key` };
  const ca = pkiFiles(paths.pki).ca;
  await issueClientCert(ca, pair, identity);
  const file = `${base}.kubeconfig`;
  await writeKubeconfig(file, state.server, ca.cert, pair, identity.user);
  return file;
}

/** writeKubeconfig writes a kubeconfig with the certificates inlined, so it can be copied anywhere. */
export async function writeKubeconfig(file: string, server: string, caCert: string, client: KeyPair, user: string): Promise<void> {
  const name = 'ontap-kms-testenv';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': await readPemBase64(caCert) } }],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': await readPemBase64(client.cert),
          'client-key-data': await readPemBase64(client.key),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
}
