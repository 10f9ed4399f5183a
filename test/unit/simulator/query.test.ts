import { expect } from 'chai';
import { matchesFilter, parseCollectionQuery, project, type CollectionSpec } from '../../../src/simulator/query.js';
import { SimError } from '../../../src/simulator/http.js';

const spec: CollectionSpec = { basePath: '/x', fields: ['uuid', 'svm', 'port', 'region'], advanced: ['state'], keys: ['uuid', 'svm'] };
const view = { uuid: 'u1', svm: { name: 'svm1', uuid: 's1' }, port: 443, region: 'us-east-1', state: { code: '0' } };

describe('ontap-sim query language', () => {
  const cases: Array<{ reason: string; field: string; expr: string; want: boolean }> = [
    { reason: 'plain equality on a nested field', field: 'svm.name', expr: 'svm1', want: true },
    { reason: 'a different value', field: 'svm.name', expr: 'svm2', want: false },
    { reason: 'OR with |', field: 'svm.name', expr: 'svm2|svm1', want: true },
    { reason: 'negation with !', field: 'svm.name', expr: '!svm1', want: false },
    { reason: 'negation of another value', field: 'svm.name', expr: '!svm2', want: true },
    { reason: 'wildcard', field: 'region', expr: 'us-*', want: true },
    { reason: 'numbers compare with >', field: 'port', expr: '>400', want: true },
    { reason: 'numbers compare with <', field: 'port', expr: '<400', want: false },
    { reason: 'strings match case-insensitively', field: 'svm.name', expr: 'SVM1', want: true },
  ];
  for (const c of cases) {
    it(`filter: ${c.reason}`, () => {
      expect(matchesFilter(view, c.field, c.expr)).to.equal(c.want);
    });
  }

  it('refuses a filter on an unknown field with 262179', () => {
    expect(() => parseCollectionQuery(new URLSearchParams('bogus=1'), spec))
      .to.throw(SimError).with.property('code', '262179');
  });

  it('projects keys only for a collection without fields, everything non-advanced for an instance', () => {
    expect(Object.keys(project(view, undefined, spec, false))).to.deep.equal(['uuid', 'svm']);
    expect(Object.keys(project(view, undefined, spec, true))).to.have.members(['uuid', 'svm', 'port', 'region']);
  });

  it('keeps advanced fields out of * and in when named', () => {
    expect(project(view, ['*'], spec, false)).to.not.have.property('state');
    expect(project(view, ['state'], spec, false)).to.have.property('state');
  });

  it('projects a field inside an array of objects element by element', () => {
    const arraySpec: CollectionSpec = { basePath: '/x', fields: ['server'], advanced: ['connectivity'], keys: ['server'] };
    const v = { server: 's', connectivity: { cluster_availability: true, node_states: [{ node: { name: 'n1', uuid: 'u1' }, state: 'available' }, { node: { name: 'n2', uuid: 'u2' }, state: 'not_responding' }] } };
    expect(project(v, ['connectivity.node_states.node.name', 'connectivity.node_states.state'], arraySpec, true)).to.deep.equal({
      server: 's',
      connectivity: { node_states: [{ node: { name: 'n1' }, state: 'available' }, { node: { name: 'n2' }, state: 'not_responding' }] },
    });
  });

  it('projects a nested field alone', () => {
    expect(project({ uuid: 'u', svm: { name: 'a', uuid: 'b' } }, ['svm.name'], { ...spec, keys: ['uuid'] }, false)).to.deep.equal({ uuid: 'u', svm: { name: 'a' } });
  });
});
