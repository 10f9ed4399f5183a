/**
 * The tenancy policy of a ClusterOntapCluster as pure functions: may a key-manager resource
 * (OntapAwsKms, or any other key-manager kind) in this namespace manage this SVM through it? Decided from the policy and the namespace's labels and
 * annotations (which tenants cannot set), before anything is sent to ONTAP.
 */
import type { LabelSelector, TenancyPolicy } from '../../api/v1alpha1/types.js';

/** NamespaceMeta is what the policy reads of a namespace. */
export interface NamespaceMeta {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** deleting: the namespace has a deletionTimestamp (it is Terminating). */
  readonly deleting?: boolean;
}

/** Permission is the policy's answer; `why` is safe to show the tenant (it names only their own namespace and SVM). */
export type Permission = { readonly allowed: true } | { readonly allowed: false; readonly why: string };

/** selectorMatches tells whether `labels` satisfy a metav1.LabelSelector; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** grantedSvms lists the SVMs `ns` may manage under `policy`: its svms grants and its annotation. */
export function grantedSvms(policy: TenancyPolicy, ns: NamespaceMeta): Set<string> {
  const out = new Set<string>();
  for (const g of policy.svms) if (g.namespace === ns.name) for (const n of g.names) out.add(n);
  if (policy.svmsAnnotation !== undefined) {
    for (const n of (ns.annotations[policy.svmsAnnotation] ?? '').split(',')) {
      const t = n.trim();
      if (t !== '') out.add(t);
    }
  }
  return out;
}

/**
 * permitted decides whether namespace `ns` may manage `svm` (undefined: the cluster scope)
 * through a ClusterOntapCluster named `cluster` with `policy`. A namespace the operator cannot
 * see (undefined) is refused.
 */
export function permitted(cluster: string, policy: TenancyPolicy, ns: NamespaceMeta | undefined, svm: { name: string } | undefined): Permission {
  if (ns === undefined) return { allowed: false, why: `ClusterOntapCluster ${cluster}: this namespace is unknown to the operator` };
  if (!selectorMatches(policy.namespaceSelector, ns.labels)) {
    return { allowed: false, why: `ClusterOntapCluster ${cluster} does not admit namespace ${ns.name} (its tenancy.namespaceSelector does not match the namespace's labels)` };
  }
  if (svm === undefined) {
    return { allowed: false, why: `ClusterOntapCluster ${cluster} never allows the cluster scope (a key manager without svm); use an OntapCluster for it` };
  }
  if (!grantedSvms(policy, ns).has(svm.name)) {
    return { allowed: false, why: `ClusterOntapCluster ${cluster} does not let namespace ${ns.name} manage SVM ${svm.name}` };
  }
  return { allowed: true };
}
