/**
 * Asking the real API server whether it admits an object: a fresh namespace on the shared
 * control plane, and create/patch calls that return the API server's refusal (a 422's message)
 * or '' when it accepts. The CRD validation tests of every kind share it.
 */
import { randomBytes } from 'node:crypto';
import { GROUP, VERSION } from '../../src/api/v1alpha1/constants.js';
import { ClusterOntapClusterType } from '../../src/controller/resources.js';
import { KINDS } from '../../src/api/v1alpha1/kinds.js';
import { KubeApi, KubeApiError, type KubeObject, NamespaceType, type ResourceType } from '../../src/runtime/kube.js';
import { getControlPlane } from './control-plane.js';

/** TYPES are every kind of the kinds table. */
const TYPES: readonly ResourceType[] = KINDS.map((k) => ({ group: GROUP, version: VERSION, plural: k.plural, kind: k.kind }));

/** typeOfKind is the ResourceType of one of the operator's kinds. */
export function typeOfKind(kind: string): ResourceType {
  const type = TYPES.find((t) => t.kind === kind);
  if (!type) throw new Error(`no resource type for kind ${kind}`);
  return type;
}

/** Admission is one test namespace and the calls that report what the API server refuses. */
export interface Admission {
  readonly api: KubeApi;
  readonly ns: string;
  /** rejection creates `obj` (in the test namespace unless cluster-scoped) and returns the API server's error message ('' when accepted). */
  rejection(obj: KubeObject): Promise<string>;
  /** updateRejection merge-patches the spec of an existing object and returns the error message ('' when accepted). */
  updateRejection(type: ResourceType, name: string, spec: Record<string, unknown>): Promise<string>;
  /** close deletes the namespace and the cluster-scoped objects created through rejection(). */
  close(): Promise<void>;
}

/** unprocessable returns the message of a 422 (a refusal at admission) and rethrows anything else. */
function unprocessable(e: unknown): string {
  if (e instanceof KubeApiError && e.statusCode === 422) return e.message;
  throw e;
}

/** admission starts (or joins) the shared control plane and creates a fresh namespace `${prefix}-xxxxxx`. */
export async function admission(prefix: string): Promise<Admission> {
  const cp = await getControlPlane();
  const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  /** shared lists the cluster-scoped objects created here: the namespace's deletion does not take them. */
  const shared: string[] = [];
  return {
    api,
    ns,
    async rejection(obj) {
      const scoped = obj.kind === ClusterOntapClusterType.kind;
      const name = scoped ? `${ns}-${obj.metadata.name}` : obj.metadata.name;
      try {
        await api.create(typeOfKind(String(obj.kind)), scoped ? '' : ns, { ...obj, metadata: scoped ? { name } : { ...obj.metadata, namespace: ns } });
        if (scoped) shared.push(name);
        return '';
      } catch (e) {
        return unprocessable(e);
      }
    },
    async updateRejection(type, name, spec) {
      try {
        await api.mergePatch(type, ns, name, { spec });
        return '';
      } catch (e) {
        return unprocessable(e);
      }
    },
    async close() {
      for (const name of shared) await api.delete(ClusterOntapClusterType, '', name).catch(() => undefined);
      await api.delete(NamespaceType, '', ns);
    },
  };
}
