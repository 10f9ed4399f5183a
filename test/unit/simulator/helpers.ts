/**
 * Shared fixtures for the simulator's unit tests: a valid create body and a shortcut to create
 * a record over HTTPS.
 */
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
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
