/**
 * The one way an object is named by a string in this code base: `namespace/name`, and `/name`
 * for a cluster-scoped object (no namespace). Queues, caches, indexes and connections all use it.
 */

/** objectKey names an object: `namespace/name`, or `/name` without a namespace. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** keyOf is the key of an object from its metadata. */
export function keyOf(o: { readonly metadata: { readonly namespace?: string | undefined; readonly name: string } }): string {
  return objectKey(o.metadata.namespace, o.metadata.name);
}

/** splitKey is objectKey's inverse: namespace ('' for a cluster-scoped object) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
