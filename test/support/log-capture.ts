/**
 * Every log line the operator writes during the test run, captured so a final test can prove no
 * secret appears in any of them (test/e2e/zz-no-secrets.test.ts).
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/runtime/logger.js';

/** capturedLines holds every operator log line of this run. */
export const capturedLines: string[] = [];

/** capturingLogger returns a debug-level JSON logger whose lines go to capturedLines. */
export function capturingLogger(): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      capturedLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return createLogger({ level: 'debug', format: 'json', stream });
}

/** TEST_SECRETS are the secret values e2e tests use; none may ever be logged or reported. */
export const TEST_SECRETS = {
  awsSecret: 'e2e-aws-SECRET-value-0001',
  awsSecretRotated: 'e2e-aws-SECRET-value-0002',
  proxyPassword: 'e2e-proxy-PASSWORD-0001',
  azureSecret: 'e2e-azure-SECRET-value-0001',
  azureSecretRotated: 'e2e-azure-SECRET-value-0002',
  // A PKCS#12 client certificate as ONTAP takes it: base64 text (this one is not a real certificate).
  azureCertificate: 'MIIe2eAZURECERTIFICATEbase64value0001',
  /** gcpPrivateKey is the body of a service account key's private_key (see test/support/gcp.ts). */
  gcpPrivateKey: 'e2e-GCP-PRIVATE-KEY-0001',
  gcpPrivateKeyRotated: 'e2e-GCP-PRIVATE-KEY-0002',
  ontapPassword: 'netapp1!',
  /** The Onboard Key Manager's passphrases: 32 to 256 ASCII characters. */
  onboardPassphrase: 'e2e-ONBOARD-passphrase-0001-abcdefghij',
  onboardPassphraseRotated: 'e2e-ONBOARD-passphrase-0002-abcdefghij',
  onboardPassphraseWrong: 'e2e-ONBOARD-passphrase-0003-abcdefghij',
  /** A KMIP key server's password. */
  kmipPassword: 'e2e-KMIP-PASSWORD-0001',
} as const;
