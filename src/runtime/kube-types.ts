/**
 * The vocabulary of the Kubernetes client: resource types, the object shape it parses at the
 * edge, watch events, and the typed API error with its predicates.
 */
import { isObject } from '../json/read.js';

/** ResourceType names one API resource; `group` '' is the core group. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/** SecretType is core/v1 secrets. */
export const SecretType: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };
/** LeaseType is coordination.k8s.io/v1 leases, used for leader election. */
export const LeaseType: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' };
/** EventType is core/v1 events (what `kubectl describe` shows). */
export const EventType: ResourceType = { group: '', version: 'v1', plural: 'events', kind: 'Event' };
/** NamespaceType is core/v1 namespaces; cluster-scoped, so pass namespace '' to the calls. */
export const NamespaceType: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' };

/** KubeObject is any Kubernetes object: typed metadata, everything else left to the caller. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

/** WatchEventType is the `type` of one watch stream line. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEvent is one watch stream line; for ERROR, `object` is a meta/v1 Status. */
export type WatchEvent = { type: WatchEventType; object: KubeObject };

/** KubeApiError is a non-2xx answer of the API server, with the Status reason when it sent one. */
export class KubeApiError extends Error {
  /** statusCode is the HTTP status (or the Status `code` of a watch ERROR event). */
  readonly statusCode: number;
  /** reason is the Status reason, e.g. NotFound, Conflict, Forbidden, Expired. */
  readonly reason: string;
  constructor(message: string, statusCode: number, reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

/** isNotFound tells whether `e` is the API server's 404. */
export function isNotFound(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 404;
}

/** isConflict tells whether `e` is a 409 (stale resourceVersion, or already exists). */
export function isConflict(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 409;
}

/** isGone tells whether `e` is a 410: the resourceVersion asked for is too old to watch from. */
export function isGone(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 410;
}

/** SecretData is a Secret with its values base64-decoded; never log `data`. */
export interface SecretData {
  readonly name: string;
  readonly resourceVersion: string;
  readonly type: string;
  readonly data: ReadonlyMap<string, Buffer>;
}

/** resourcePath is the REST path of a collection, an object or its subresource. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let p = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${type.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

/** parseKubeObject checks that `value` is an object with a metadata.name, at the edge. */
export function parseKubeObject(value: unknown): KubeObject {
  if (!isRecord(value) || !isRecord(value.metadata) || typeof value.metadata.name !== 'string') {
    throw new Error('kube api: response is not a Kubernetes object');
  }
  return value as KubeObject;
}

/** watchErrorCode is the Status code of a watch ERROR event's object (410 = resourceVersion too old). */
export function watchErrorCode(obj: KubeObject): number {
  return typeof obj.code === 'number' ? obj.code : 0;
}

/** isRecord tells whether `v` is a plain JSON object (json/read.ts's isObject, as a mutable record). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return isObject(v);
}

/** asRecord returns `v` when it is a plain JSON object, else an empty one. */
export function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** LAST_APPLIED is the annotation in which `kubectl apply` keeps a whole copy of the object. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * trimForCache drops what a controller never reads from a cached object: managedFields (often
 * larger than the object) and kubectl's last-applied copy of it.
 */
export function trimForCache(o: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = o.metadata;
  const annotations = metadata.annotations;
  if (annotations !== undefined && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _applied, ...rest } = annotations;
    metadata.annotations = rest;
  }
  return { ...o, metadata };
}

/**
 * identityOnly keeps only an object's namespace, name and version: for the Secret metadata
 * cache, which the operator reads for nothing else (a cluster may hold tens of thousands of
 * Secrets, each with labels and annotations the operator never looks at).
 */
export function identityOnly(o: KubeObject): KubeObject {
  const { name, namespace, resourceVersion } = o.metadata;
  return {
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
  };
}
