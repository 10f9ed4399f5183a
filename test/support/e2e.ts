/**
 * The e2e harness: the run's real control plane, a namespace of its own, an in-process ontap-sim,
 * Secrets and an OntapCluster pointing at it, and the operator running in this process against
 * that namespace only, so test files do not see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { parseOntapAwsKms } from '../../src/api/v1alpha1/parse.js';
import type { Condition, OntapAwsKms } from '../../src/api/v1alpha1/types.js';
import { parseConfig, type Config } from '../../src/config.js';
import { OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType, OntapKmipType, OntapOnboardKeyManagerType } from '../../src/controller/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { KubeApi, type KubeObject, NamespaceType, type ResourceType, SecretType } from '../../src/runtime/kube.js';
import type { RequestLogEntry } from '../../src/simulator/state.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { getControlPlane, type TestControlPlane } from './control-plane.js';
import { capturingLogger, TEST_SECRETS } from './log-capture.js';
import { SIM_PASSWORD, SIM_USER, startTestSim } from './sim.js';

/** E2E is one test file's world. */
export interface E2E {
  readonly cp: TestControlPlane;
  readonly api: KubeApi;
  readonly ns: string;
  readonly sim: SimulatorHandle;
  operator: Operator | undefined;
  /**
   * startOperator (re)starts the operator on this namespace. Unless extraArgs name an allow-list
   * flag, it passes `--allowed-ontap-endpoints=127.0.0.0/8:*` (LOOPBACK_ENDPOINTS): ontap-sim
   * listens on loopback at a random port. `{ allowList: 'none' }` passes no allow-list flag at
   * all, the operator's default (which allows no endpoint).
   */
  startOperator(extraArgs?: string[], options?: { readonly allowList?: 'loopback' | 'none' }): Promise<Operator>;
  /** startAnother starts one more operator beside `operator` (a second replica), with the same arguments as startOperator; stopOperator stops it too. */
  startAnother(extraArgs?: string[]): Promise<Operator>;
  stopOperator(): Promise<void>;
  close(): Promise<void>;
}

/** KEY_MANAGER_TYPES are every key-manager kind; close() releases their finalizers. */
export const KEY_MANAGER_TYPES: readonly ResourceType[] = [OntapAwsKmsType, OntapAzureKeyVaultType, OntapGcpKmsType, OntapKmipType, OntapOnboardKeyManagerType];

/** waitFor polls `fn` until it returns a value other than undefined/false, or fails with `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** LOOPBACK_ENDPOINTS is the allow-list entry of the tests, the demo and the benchmarks: loopback, any port (ontap-sim's is random). */
export const LOOPBACK_ENDPOINTS = '127.0.0.0/8:*';

/** secret builds an Opaque Secret. */
export function secret(ns: string, name: string, data: Record<string, string>, type = 'Opaque'): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type, stringData: data };
}

/** startE2E sets up a file's world; call in before(), close in after(). */
export async function startE2E(options: { svms?: string[] } = {}): Promise<E2E> {
  const cp = await getControlPlane();
  const api = await KubeApi.fromKubeconfig(cp.kubeconfig);
  const ns = `e2e-${randomBytes(3).toString('hex')}`;
  await api.create(NamespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const sim = await startTestSim({ svms: options.svms ?? ['svm1', 'svm2', 'svm3'] });
  await api.create(SecretType, ns, secret(ns, 'ontap-admin', { username: SIM_USER, password: SIM_PASSWORD }, 'kubernetes.io/basic-auth'));
  await api.create(SecretType, ns, secret(ns, 'ontap-ca', { 'ca.crt': sim.caPem }));
  await api.create(OntapClusterType, ns, {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapCluster',
    metadata: { name: 'sim', namespace: ns },
    spec: { endpoint: sim.url, credentialsSecretRef: { name: 'ontap-admin' }, caBundleSecretRef: { name: 'ontap-ca' } },
  });
  const others: Operator[] = [];
  const start = (extraArgs: string[], options: { readonly allowList?: 'loopback' | 'none' }): Promise<Operator> => {
    const ownList = extraArgs.some((a) => a.startsWith('--allowed-ontap-endpoints') || a.startsWith('--allow-any-ontap-endpoint'));
    const allowList = options.allowList === 'none' || ownList ? [] : [`--allowed-ontap-endpoints=${LOOPBACK_ENDPOINTS}`];
    const config = parseConfig(['--kubeconfig', cp.kubeconfig, '--namespace', ns, '--metrics-bind-address', '127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address', '127.0.0.1:0', ...allowList, ...extraArgs]) as Config;
    return startOperator(config, { logger: capturingLogger().child({ test: ns }), clientOptions: { jobPollIntervalMs: 100 } });
  };
  const world: E2E = {
    cp,
    api,
    ns,
    sim,
    operator: undefined,
    async startOperator(extraArgs = [], options = {}) {
      world.operator = await start(extraArgs, options);
      return world.operator;
    },
    async startAnother(extraArgs = []) {
      const op = await start(extraArgs, {});
      others.push(op);
      return op;
    },
    async stopOperator() {
      await Promise.all([world.operator?.stop(), ...others.splice(0).map((o) => o.stop())]);
      world.operator = undefined;
    },
    async close() {
      await world.stopOperator();
      await sim.close();
      // Objects with finalizers would hold the namespace: drop them, then the namespace.
      for (const type of KEY_MANAGER_TYPES) {
        for (const o of (await api.list(type, ns)).items) {
          await api.mergePatch(type, ns, o.metadata.name, { metadata: { finalizers: null } }).catch(() => undefined);
        }
      }
      await api.delete(NamespaceType, '', ns).catch(() => undefined);
    },
  };
  return world;
}

/** kmsObject builds an OntapAwsKms manifest for the e2e namespace. */
export function kmsObject(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapAwsKms',
    metadata: { name, namespace: ns },
    spec: { clusterRef: { name: 'sim' }, keyId: 'arn:aws:kms:us-east-1:111122223333:key/e2e-1', region: 'us-east-1', credentialsSecretRef: { name: 'aws' }, driftCheckIntervalSeconds: 10, ...spec },
  };
}

/** AKV_VAULT and AKV_KEY are the e2e tests' Azure key vault and key. */
export const AKV_VAULT = 'https://kv-e2e.vault.azure.net/';
export const AKV_KEY = 'https://kv-e2e.vault.azure.net/keys/kek/a8e619fd8f234db3b0b95c59540e2a74';

/** akvObject builds an OntapAzureKeyVault manifest for the e2e namespace, with the client secret in Secret `azure`. */
export function akvObject(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'kms.ontap.dev/v1alpha1',
    kind: 'OntapAzureKeyVault',
    metadata: { name, namespace: ns },
    spec: {
      clusterRef: { name: 'sim' },
      clientId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      tenantId: '9b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      vaultName: AKV_VAULT,
      keyId: AKV_KEY,
      clientSecretRef: { name: 'azure', key: 'client_secret' },
      driftCheckIntervalSeconds: 10,
      ...spec,
    },
  };
}

/** awsSecret is the default AWS key pair Secret of the e2e tests. */
export function awsSecret(ns: string, name = 'aws', secretAccessKey: string = TEST_SECRETS.awsSecret, accessKeyId = 'AKIAE2E0000000000001'): KubeObject {
  return secret(ns, name, { access_key_id: accessKeyId, secret_access_key: secretAccessKey });
}

/** getResource reads one object of `type` in the e2e namespace, typed by `parse` (e.g. parseOntapGcpKms). */
export async function getResource<T>(w: E2E, type: ResourceType, name: string, parse: (o: unknown) => T): Promise<T | undefined> {
  const o = await w.api.get(type, w.ns, name);
  return o ? parse(o) : undefined;
}

/** getKms reads an OntapAwsKms, typed. */
export function getKms(w: E2E, name: string): Promise<OntapAwsKms | undefined> {
  return getResource(w, OntapAwsKmsType, name, parseOntapAwsKms);
}

/** condition returns `type`'s status and reason, e.g. "True/Available", of any key-manager resource. */
export function condition(k: { status?: { conditions?: readonly Condition[] } } | undefined, type: string): string | undefined {
  const c = k?.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : undefined;
}

/** writesTo lists the writes (not GETs) the simulator saw under `pathPrefix`, e.g. '/api/security/gcp-kms'. */
export function writesTo(sim: SimulatorHandle, pathPrefix: string): RequestLogEntry[] {
  return sim.control.requests().filter((r) => r.path.startsWith(pathPrefix) && r.method !== 'GET');
}

/** awsKmsWrites lists the writes (not GETs) the simulator saw on the aws-kms API. */
export function awsKmsWrites(sim: SimulatorHandle): RequestLogEntry[] {
  return writesTo(sim, '/api/security/aws-kms');
}

/** awsKmsReads lists the GETs the simulator saw on the aws-kms API. */
export function awsKmsReads(sim: SimulatorHandle): RequestLogEntry[] {
  return sim.control.requests().filter((r) => r.path.startsWith('/api/security/aws-kms') && r.method === 'GET');
}
