import { expect } from 'chai';
import type { KubeObject } from '../../../src/runtime/kube.js';
import { MutationCache } from '../../../src/runtime/mutation-cache.js';

const obj = (rv: string, uid = 'u1'): KubeObject => ({ metadata: { name: 'a', namespace: 'ns', uid, resourceVersion: rv } });

describe('MutationCache', () => {
  it('serves its own write until the informer catches up', () => {
    const c = new MutationCache();
    c.remember(obj('10'));
    expect(c.newest('ns/a', obj('9'))?.metadata.resourceVersion).to.equal('10');
    expect(c.newest('ns/a', obj('11'))?.metadata.resourceVersion).to.equal('11');
  });

  it('tells its own writes from changes made by others', () => {
    const c = new MutationCache();
    c.remember(obj('10')); // the finalizer
    c.remember(obj('12')); // the status
    expect(c.observed(obj('10')), 'our finalizer write').to.equal(true);
    expect(c.observed(obj('11')), 'someone else wrote 11').to.equal(false);
    expect(c.observed(obj('12')), 'our status write').to.equal(true);
    expect(c.observed(obj('13'))).to.equal(false);
  });

  it('forgets what the informer has caught up with, so nothing is held for long', () => {
    const c = new MutationCache();
    c.remember(obj('10'));
    c.remember(obj('12'));
    expect(c.observed(obj('15')), 'a newer version from someone else').to.equal(false);
    // Both own versions are behind the informer now: a later delivery of 12 (a re-list) is not "own".
    expect(c.observed(obj('12'))).to.equal(false);
    expect(c.newest('ns/a', obj('9'))?.metadata.resourceVersion, 'the written copy is gone too').to.equal('9');
  });
});
