/**
 * Shared fixtures for the ONTAP client integration tests: test secrets, a capturing debug
 * logger (every suite logs into it, and the secrets scan reads it), and client/simulator setup.
 */
import { Writable } from 'node:stream';
import { OntapClient, type OntapClientOptions } from '../../../src/ontap/client.js';
import { createLogger, type Logger } from '../../../src/runtime/logger.js';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { startTestSim } from '../../support/sim.js';

/** SECRETS must never appear in a log line or an error message. */
export const SECRETS = {
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY-integration-aws-secret',
  proxyPassword: 'pr0xy-integration-password-7741',
  ontapPassword: 'ontap-integration-password-9913',
  azureSecret: 'azure-integration-client-secret-3307',
  gcpPrivateKey: 'gcp-integration-private-key-6142',
} as const;

/** ONTAP_USER is the simulator's user in these tests. */
export const ONTAP_USER = 'admin';

/** capturedLogs holds every log line written by loggers from captureLogger. */
export const capturedLogs: string[] = [];

/** capturedErrors holds the messages (with causes) of errors the tests caught. */
export const capturedErrors: string[] = [];

/** captureLogger is a debug-level logger writing into capturedLogs. */
export function captureLogger(): Logger {
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done): void {
      capturedLogs.push(chunk.toString());
      done();
    },
  });
  return createLogger({ level: 'debug', stream });
}

/** startSim starts a simulator whose password is the test ONTAP secret. */
export function startSim(): Promise<SimulatorHandle> {
  return startTestSim({ password: SECRETS.ontapPassword, svms: ['svm1', 'svm2', 'svm3'], logger: captureLogger(), jobRetentionMs: 60_000 });
}

/** newClient builds a client for `sim`, trusting its CA, logging into capturedLogs. */
export function newClient(sim: SimulatorHandle, overrides: Partial<OntapClientOptions> = {}): OntapClient {
  return new OntapClient({
    endpoint: sim.url,
    auth: { kind: 'basic', username: ONTAP_USER, password: SECRETS.ontapPassword },
    caBundle: sim.caPem,
    logger: captureLogger(),
    retryBackoffMs: 10,
    jobPollIntervalMs: 50,
    ...overrides,
  });
}

/** rejection awaits a promise that must reject and returns (and records) the error. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof Error)) throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
    const chain: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(`${e.name}: ${e.message}`);
    capturedErrors.push(chain.join(' <- '));
    return err;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** createBody is a valid create body for `svm` carrying the test secrets. */
export function createBody(svm: string): { svm: { name: string }; key_id: string; region: string; access_key_id: string; secret_access_key: string; proxy_type: 'http'; proxy_host: string; proxy_port: number; proxy_username: string; proxy_password: string } {
  return {
    svm: { name: svm },
    key_id: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd',
    region: 'us-east-1',
    access_key_id: 'AKIAINTEGRATION',
    secret_access_key: SECRETS.awsSecret,
    proxy_type: 'http',
    proxy_host: 'proxy.corp',
    proxy_port: 3128,
    proxy_username: 'kms',
    proxy_password: SECRETS.proxyPassword,
  };
}
