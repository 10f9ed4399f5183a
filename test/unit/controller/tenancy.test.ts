import { expect } from 'chai';
import type { TenancyPolicy } from '../../../src/api/v1alpha1/types.js';
import { type NamespaceMeta, permitted, selectorMatches } from '../../../src/controller/key-manager/tenancy.js';

const ns = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): NamespaceMeta => ({ name, labels, annotations });

describe('tenancy: selectorMatches', () => {
  const cases: Array<{ reason: string; sel: Parameters<typeof selectorMatches>[0]; labels: Record<string, string>; want: boolean }> = [
    { reason: 'an empty selector matches every namespace', sel: {}, labels: {}, want: true },
    { reason: 'matchLabels: equal', sel: { matchLabels: { tenant: 'yes' } }, labels: { tenant: 'yes', x: 'y' }, want: true },
    { reason: 'matchLabels: different value', sel: { matchLabels: { tenant: 'yes' } }, labels: { tenant: 'no' }, want: false },
    { reason: 'matchLabels: missing', sel: { matchLabels: { tenant: 'yes' } }, labels: {}, want: false },
    { reason: 'In', sel: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, labels: { team: 'b' }, want: true },
    { reason: 'In, missing label', sel: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] }, labels: {}, want: false },
    { reason: 'NotIn, missing label matches', sel: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels: {}, want: true },
    { reason: 'NotIn, listed value', sel: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels: { team: 'a' }, want: false },
    { reason: 'Exists', sel: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels: { team: '' }, want: true },
    { reason: 'DoesNotExist', sel: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels: { team: 'a' }, want: false },
  ];
  for (const c of cases) it(c.reason, () => expect(selectorMatches(c.sel, c.labels)).to.equal(c.want));
});

describe('tenancy: permitted', () => {
  const policy: TenancyPolicy = {
    namespaceSelector: { matchLabels: { 'kms.ontap.dev/tenant': 'true' } },
    svms: [{ namespace: 'team-a', names: ['svm1'] }],
    svmsAnnotation: 'kms.ontap.dev/svms',
  };
  const tenant = { 'kms.ontap.dev/tenant': 'true' };
  const cases: Array<{ reason: string; ns: NamespaceMeta | undefined; svm: string | undefined; allowed: boolean; why?: RegExp }> = [
    { reason: 'a selected namespace, an SVM granted in the policy', ns: ns('team-a', tenant), svm: 'svm1', allowed: true },
    { reason: 'a selected namespace, an SVM granted to another namespace', ns: ns('team-b', tenant), svm: 'svm1', allowed: false, why: /does not let namespace team-b manage SVM svm1/ },
    { reason: 'an SVM granted by the namespace annotation', ns: ns('team-b', tenant, { 'kms.ontap.dev/svms': 'svm2, svm3' }), svm: 'svm3', allowed: true },
    { reason: 'a namespace outside the selector, whatever it grants itself', ns: ns('rogue', {}, { 'kms.ontap.dev/svms': 'svm1' }), svm: 'svm1', allowed: false, why: /does not admit namespace rogue/ },
    { reason: 'the cluster scope, never', ns: ns('team-a', tenant), svm: undefined, allowed: false, why: /never allows the cluster scope/ },
    { reason: 'a namespace the operator cannot see', ns: undefined, svm: 'svm1', allowed: false, why: /unknown/ },
    { reason: 'another annotation is not read', ns: ns('team-b', tenant, { 'kms.ontap.dev/other': 'svm2' }), svm: 'svm2', allowed: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const p = permitted('shared', policy, c.ns, c.svm === undefined ? undefined : { name: c.svm });
      expect(p.allowed).to.equal(c.allowed);
      if (!p.allowed && c.why) expect(p.why).to.match(c.why);
    });
  }
});
