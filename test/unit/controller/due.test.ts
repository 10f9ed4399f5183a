import { expect } from 'chai';
import { RESTORE_ANNOTATION } from '../../../src/api/v1alpha1/constants.js';
import { awsKmsAdapter } from '../../../src/controller/ontap-aws-kms/adapter.js';
import { dueCause } from '../../../src/controller/key-manager/due.js';
import { awsKms, withSpec, withStatus } from '../../support/builders.js';

describe('dueCause (the first list triage)', () => {
  // A resource as the last leader left it: spec seen, credentials sent at Secret version 7.
  const done = withStatus({ observedGeneration: 1, appliedSecrets: [{ name: 'aws', resourceVersion: '7', keys: ['access_key_id', 'secret_access_key'] }] });
  const versions = (v: Record<string, string>) => (name: string) => v[name];
  const cause = (o: ReturnType<typeof awsKms>, secrets: Record<string, string> = { aws: '7' }): string | undefined =>
    dueCause(o, awsKmsAdapter.secretRefs(o.spec), versions(secrets));

  it('finds nothing to do in a resource whose status shows its spec and Secrets done', () => {
    expect(cause(awsKms('a', done))).to.equal(undefined);
  });

  it('sees a Secret rotated while no operator led', () => {
    expect(cause(awsKms('a', done), { aws: '8' })).to.equal('Secret aws changed');
  });

  it('sees a Secret the spec names that was never sent, whatever the generation says', () => {
    const edited = awsKms('a', done, withSpec({ credentialsSecretRef: { name: 'aws-2', accessKeyIdKey: 'access_key_id', secretAccessKeyKey: 'secret_access_key' } }));
    expect(cause(edited, { 'aws-2': '3' })).to.equal('Secret aws-2 changed');
  });

  it('sees a spec edit, a delete, a write in flight and a restore asked for', () => {
    const edited = awsKms('a', done);
    edited.metadata.generation = 2;
    expect(cause(edited)).to.equal('spec changed');
    const deleting = awsKms('a', done);
    deleting.metadata.deletionTimestamp = '2026-12-03T05:00:00Z';
    expect(cause(deleting)).to.equal('deleting');
    const pending = awsKms('a', withStatus({ observedGeneration: 1, pendingWrite: { operation: 'create', sentAt: '2026-12-03T05:00:00Z' } }));
    expect(cause(pending)).to.equal('write pending');
    const restore = awsKms('a', done);
    restore.metadata.annotations = { [RESTORE_ANNOTATION]: 'r1' };
    expect(cause(restore)).to.equal('restore asked');
    restore.status = { ...restore.status, lastRestore: { token: 'r1', time: '2026-12-03T05:00:00Z', result: 'Succeeded' } };
    expect(cause(restore)).to.equal(undefined);
  });

  it('sees a key the spec now reads that was not sent at this version, as the engine would send it', () => {
    const half = awsKms('a', withStatus({ observedGeneration: 1, appliedSecrets: [{ name: 'aws', resourceVersion: '7', keys: ['access_key_id'] }] }));
    expect(cause(half)).to.equal('Secret aws changed');
  });

  it('takes a restore token longer than status keeps as run once its first 128 characters are', () => {
    const long = 'r'.repeat(200);
    const restore = awsKms('a', done);
    restore.metadata.annotations = { [RESTORE_ANNOTATION]: long };
    expect(cause(restore)).to.equal('restore asked');
    restore.status = { ...restore.status, lastRestore: { token: long.slice(0, 128), time: '2026-12-03T05:00:00Z', result: 'Skipped' } };
    expect(cause(restore)).to.equal(undefined);
  });

  it('leaves a missing Secret, an Observe resource and a suspended one to the re-checks', () => {
    expect(cause(awsKms('a', done), {})).to.equal(undefined);
    expect(cause(awsKms('a', done, withSpec({ managementPolicy: 'Observe' })), { aws: '8' })).to.equal(undefined);
    expect(cause(awsKms('a', done, withSpec({ suspend: true })), { aws: '8' })).to.equal(undefined);
  });

  it('treats a resource never reconciled as a change', () => {
    expect(cause(awsKms('a'))).to.equal('spec changed');
  });
});
