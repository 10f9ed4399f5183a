import { expect } from 'chai';
import { parseOntapAwsKms } from '../../../src/api/v1alpha1/parse.js';
import { internAwsKms, typedCache } from '../../../src/controller/typed-cache.js';
import type { KubeObject } from '../../../src/runtime/kube.js';
import { awsKms, withStatus } from '../../support/builders.js';

const T = '2026-11-29T00:00:00Z';

/** raw is an OntapAwsKms as the API server sends it: plain JSON, with managedFields. */
function raw(name: string): KubeObject {
  const k = awsKms(name, withStatus({ conditions: [{ type: 'Ready', status: 'True', reason: 'ReconcileSuccess', message: 'ONTAP matches the spec', lastTransitionTime: T }] }));
  const o = JSON.parse(JSON.stringify(k)) as KubeObject;
  o.metadata.managedFields = [{ manager: 'kubectl' }];
  return o;
}

describe('typedCache', () => {
  const cache = typedCache(parseOntapAwsKms, internAwsKms);

  it('caches the typed form, which parses to itself, without managedFields', () => {
    const cached = cache.transform(raw('a'));
    expect(cached.metadata.managedFields).to.equal(undefined);
    expect(parseOntapAwsKms(cached)).to.deep.equal(cached);
    expect(cache.of(cached)).to.equal(cached);
  });

  it('parses an object that is not its own (a write just returned) once, and nothing for a malformed one', () => {
    const written = raw('w');
    expect(cache.of(written)).to.deep.equal(parseOntapAwsKms(written));
    expect(cache.of(written)).to.equal(cache.of(written));
    const broken = { apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapAwsKms', metadata: { name: 'x', namespace: 'default' }, spec: {} } as KubeObject;
    const cached = cache.transform(broken);
    expect(cached.spec).to.deep.equal({});
    expect(cache.of(cached)).to.equal(undefined);
  });
});
