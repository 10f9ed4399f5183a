/**
 * Shared fixtures for the simulator's unit tests: a valid create body and a shortcut to create
 * a record over HTTPS.
 */
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { azureKeyVaultBody, gcpCredentials, gcpKmsBody } from '../../support/key-manager-bodies.js';
import { simRequest, type SimResponse } from '../../support/sim.js';

/** KMS is the aws-kms collection path. */
export const KMS = '/api/security/aws-kms';

/** SECRET is a test AWS secret key; it must never come back from the simulator. */
export const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY-sim-unit-secret';

/** createBody is a valid POST body for `svm`. */
export function createBody(svm = 'svm1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    svm: { name: svm },
    key_id: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd',
    region: 'us-east-1',
    access_key_id: 'AKIAEXAMPLE',
    secret_access_key: SECRET,
    ...extra,
  };
}

/** createKms POSTs a record and returns its uuid (from Location). */
export async function createKms(sim: SimulatorHandle, svm = 'svm1', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await simRequest(sim, 'POST', KMS, { body: createBody(svm, extra) });
  expect(res.status, JSON.stringify(res.json)).to.equal(201);
  const location = String(res.headers['location']);
  return location.slice(location.lastIndexOf('/') + 1);
}

/** expectOntapError checks status and ONTAP error code (and target when given). */
export function expectOntapError(res: SimResponse, status: number, code: string, target?: string): void {
  expect(res.status, JSON.stringify(res.json)).to.equal(status);
  const error = res.json['error'] as Record<string, unknown> | undefined;
  expect(error, 'error envelope').to.be.an('object');
  expect(error?.['code']).to.equal(code);
  expect(error?.['message']).to.be.a('string').and.not.equal('');
  if (target !== undefined) expect(error?.['target']).to.equal(target);
}

/** records returns the records array of a collection answer. */
export function records(res: SimResponse): Array<Record<string, unknown>> {
  return (res.json['records'] ?? []) as Array<Record<string, unknown>>;
}

/** AKV is the azure-key-vaults collection path. */
export const AKV = '/api/security/azure-key-vaults';

/** GCKMS is the gcp-kms collection path. */
export const GCKMS = '/api/security/gcp-kms';

/** AZURE_SECRET is a test Azure client secret; it must never come back from the simulator. */
export const AZURE_SECRET = 'azure-sim-unit-client-secret-5521';

/** GCP_CREDENTIALS is a test service-account JSON; it must never come back from the simulator. */
export const GCP_CREDENTIALS = gcpCredentials('gcp-sim-unit-private-key-8830');

/** azureBody is a valid azure-key-vaults POST body for `svm` (client-secret authentication). */
export function azureBody(svm = 'svm1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...azureKeyVaultBody(svm, AZURE_SECRET), ...extra };
}

/** gcpBody is a valid gcp-kms POST body for `svm`. */
export function gcpBody(svm = 'svm1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...gcpKmsBody(svm, GCP_CREDENTIALS), ...extra };
}

/** createAt POSTs `body` to a collection and returns the new uuid (from Location). */
export async function createAt(sim: SimulatorHandle, base: string, body: Record<string, unknown>, query = ''): Promise<string> {
  const res = await simRequest(sim, 'POST', `${base}${query}`, { body });
  expect(res.status, JSON.stringify(res.json)).to.equal(201);
  const location = String(res.headers['location']);
  return location.slice(location.lastIndexOf('/') + 1);
}
