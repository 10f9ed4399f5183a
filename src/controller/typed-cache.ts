/**
 * typedCache makes the informer keep each object once, in its typed form. With a parse memo
 * beside the cache (the object as the informer got it, and the parsed copy its readers use),
 * every key-manager resource was held twice: about 1.3 KB each, 13 MB at 10,000 resources. Here the
 * informer's transform trims and parses the object and caches the typed copy, which is a
 * KubeObject too (apiVersion, kind, metadata, spec, status) and parses to itself, so the
 * controller and the mutation cache read it as they read any cached object. An object that
 * does not parse is cached trimmed, as it came; `of` answers undefined for it (the controller
 * reports it when it reconciles).
 *
 * Strings that tens of thousands of objects repeat (apiVersion, kind, condition types, reasons
 * and messages, Secret keys) are interned, so JSON.parse's copy of each is not kept per object.
 */
import type { KeyManagerStatus, ObjectMeta, OntapAwsKms, Reachability } from '../api/v1alpha1/types.js';
import { type KubeObject, trimForCache } from '../runtime/kube.js';

/** TypedCache is an informer transform and the reader of what it cached. */
export interface TypedCache<T> {
  /** transform is the informer's: trim, parse, intern. */
  readonly transform: (o: KubeObject) => KubeObject;
  /** of returns the typed form of a cached (or just written) object; undefined when it does not parse. */
  readonly of: (o: KubeObject) => T | undefined;
}

/** typedCache builds a TypedCache from a parser (which throws on a malformed object) and an interner. */
export function typedCache<T extends object>(parse: (o: KubeObject) => T, internAll: (t: T, intern: (s: string) => string) => void = () => undefined): TypedCache<T> {
  const typed = new WeakSet<object>();
  // Objects that are not the transform's (what a write returned, before the informer has it):
  // parsed once each, while they live.
  const others = new WeakMap<KubeObject, T | null>();
  return {
    transform: (o) => {
      const trimmed = trimForCache(o);
      try {
        const t = parse(trimmed);
        internAll(t, intern);
        typed.add(t);
        return t as unknown as KubeObject;
      } catch {
        return trimmed;
      }
    },
    of: (o) => {
      if (typed.has(o)) return o as unknown as T;
      let v = others.get(o);
      if (v === undefined) {
        try {
          v = parse(o);
        } catch {
          v = null;
        }
        others.set(o, v);
      }
      return v ?? undefined;
    },
  };
}

/**
 * MAX_INTERNED bounds the intern table. A full table starts afresh: objects keep sharing what
 * they share, and the strings in use now (today's timestamps, a new message) are interned
 * again, where a table that only stopped growing would hold yesterday's for ever.
 */
const MAX_INTERNED = 10_000;
const interned = new Map<string, string>();

/** intern returns the one shared copy of `s`. */
export function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(s, s);
  return s;
}

/**
 * internKeyManager interns what every key-manager resource of a fleet says alike (never names,
 * versions or times of change): apiVersion, kind, namespace, creation times (second resolution,
 * so resources made together share them), finalizers, the cluster name, and ONTAP's codes,
 * messages and node names in status, and the conditions. `reachability` is the kind's cloud
 * reachability member in status.
 */
export function internKeyManager(
  k: { apiVersion: string; kind: string; metadata: ObjectMeta; spec: { clusterRef: { name: string } }; status?: KeyManagerStatus | undefined },
  i: (s: string) => string,
  reachability?: Reachability,
): void {
  k.apiVersion = i(k.apiVersion);
  k.kind = i(k.kind);
  const meta = k.metadata;
  meta.namespace = i(meta.namespace);
  if (meta.creationTimestamp !== undefined) meta.creationTimestamp = i(meta.creationTimestamp);
  if (meta.finalizers !== undefined) meta.finalizers = meta.finalizers.map(i);
  k.spec.clusterRef.name = i(k.spec.clusterRef.name);
  const status = k.status;
  if (status === undefined) return;
  if (status.scope !== undefined) status.scope = i(status.scope);
  for (const r of [status.state, reachability]) {
    if (r === undefined) continue;
    r.code = i(r.code);
    r.message = i(r.message);
  }
  for (const n of status.ekmipReachability ?? []) {
    n.node = i(n.node);
    n.code = i(n.code);
    n.message = i(n.message);
  }
  for (const a of status.appliedSecrets ?? []) if (a.keys !== undefined) a.keys = a.keys.map(i);
  for (const c of status.conditions ?? []) {
    c.type = i(c.type);
    c.reason = i(c.reason);
    c.message = i(c.message);
    c.lastTransitionTime = i(c.lastTransitionTime);
  }
}

/** internAwsKms interns an OntapAwsKms: what every kind shares, and the AWS fields a fleet repeats. */
export function internAwsKms(k: OntapAwsKms, i: (s: string) => string): void {
  internKeyManager(k, i, k.status?.amazonReachability);
  const spec = k.spec;
  spec.region = i(spec.region);
  spec.credentialsSecretRef.accessKeyIdKey = i(spec.credentialsSecretRef.accessKeyIdKey);
  spec.credentialsSecretRef.secretAccessKeyKey = i(spec.credentialsSecretRef.secretAccessKeyKey);
  // The key ONTAP reports is, but while re-keying, the spec's: one string for both.
  if (k.status?.keyId === spec.keyId) k.status.keyId = spec.keyId;
}
