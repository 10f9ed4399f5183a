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
    expect(c.observed(obj('10')), 'our finalizer write').to.equal('own');
    expect(c.observed(obj('11')), 'someone else wrote 11').to.equal('foreign');
    expect(c.observed(obj('12')), 'our status write').to.equal('own');
    expect(c.observed(obj('13'))).to.equal('foreign');
  });

  it('forgets what the informer has caught up with, so nothing is held for long', () => {
    const c = new MutationCache();
    c.remember(obj('10'));
    c.remember(obj('12'));
    expect(c.observed(obj('15')), 'a newer version from someone else').to.equal('foreign');
    // Both own versions are behind the informer now: a later delivery of 12 (a re-list) is not "own".
    expect(c.observed(obj('12'))).to.equal('foreign');
    expect(c.newest('ns/a', obj('9'))?.metadata.resourceVersion, 'the written copy is gone too').to.equal('9');
  });

  it('holds nothing of a deleted object, whose last version (the finalizer released) no watch event delivers as a change', () => {
    const c = new MutationCache();
    c.remember(obj('10')); // the status
    expect(c.observed(obj('10'))).to.equal('own');
    c.remember(obj('14')); // the finalizer released: the API server deletes the object
    expect(c.held()).to.equal(1);
    c.deleted(obj('14'));
    expect(c.held()).to.equal(0);
    // One of the same name made again is someone else's.
    expect(c.observed(obj('20', 'u2'))).to.equal('foreign');
  });

  it('holds nothing of an object whose deletion the watch delivered before the answer to the write that deleted it', () => {
    const c = new MutationCache();
    c.begin('ns/a'); // the PATCH that releases the last finalizer
    c.deleted(obj('14')); // the watch's DELETED comes first
    c.remember(obj('14')); // then the PATCH's answer
    c.end('ns/a');
    expect(c.held()).to.equal(0);
    // A write of the key after that is remembered as usual.
    c.begin('ns/a');
    c.remember(obj('20', 'u2'));
    c.end('ns/a');
    expect(c.observed(obj('20', 'u2'))).to.equal('own');
  });

  it('still remembers a newer write that answers after a deletion seen in flight (the name made again)', () => {
    const c = new MutationCache();
    c.begin('ns/a');
    c.deleted(obj('14'));
    c.remember(obj('16', 'u2'));
    c.end('ns/a');
    expect(c.held()).to.equal(1);
    expect(c.observed(obj('16', 'u2'))).to.equal('own');
    expect(c.held()).to.equal(0);
  });

  it('judges a change delivered before its own write has answered once that write ends', () => {
    const c = new MutationCache();
    let foreign = 0;
    // The watch delivers version 10 before the PATCH that made it has returned.
    c.begin('ns/a');
    expect(c.observed(obj('10'), () => foreign++)).to.equal('pending');
    c.remember(obj('10'));
    c.end('ns/a');
    expect(foreign, 'it was ours: no reconcile').to.equal(0);
    // Someone else's change lands while our next write is in flight, and our write fails.
    c.begin('ns/a');
    expect(c.observed(obj('11'), () => foreign++)).to.equal('pending');
    c.end('ns/a');
    expect(foreign, 'not ours: reconciled').to.equal(1);
  });
});
