/**
 * TLS material for the simulator: a throwaway CA, a server certificate for 127.0.0.1 and
 * localhost signed by it, and a client certificate for certificate auth, generated with the
 * `openssl` CLI in a temporary directory that is removed afterwards. Nothing is cached.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** TlsMaterial is PEM text for the CA, the server, and a client certificate the server accepts. */
export interface TlsMaterial {
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

/** generateTlsMaterial creates a fresh CA with server and client certificates (valid 7 days). */
export async function generateTlsMaterial(commonName = 'ontap-sim'): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'ontap-sim-tls-'));
  const p = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '7',
      '-subj', `/CN=${commonName} CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await writeFile(p('server.ext'), [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      '',
    ].join('\n'));
    await writeFile(p('client.ext'), ['basicConstraints=CA:FALSE', 'extendedKeyUsage=clientAuth', ''].join('\n'));
    for (const [name, cn] of [['server', commonName], ['client', 'admin']] as const) {
      await run('openssl', ['req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
      await run('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'),
        '-CAcreateserial', '-out', p(`${name}.crt`), '-days', '7', '-extfile', p(`${name}.ext`)]);
    }
    const read = (name: string): Promise<string> => readFile(p(name), 'utf8');
    return {
      caPem: await read('ca.crt'),
      serverCertPem: await read('server.crt'),
      serverKeyPem: await read('server.key'),
      clientCertPem: await read('client.crt'),
      clientKeyPem: await read('client.key'),
    };
  } catch (err) {
    throw new Error(`generate simulator TLS certificates with openssl: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
