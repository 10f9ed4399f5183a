/**
 * Upgrade fixtures (test/fixtures/upgrade/<version>/): every kind as a released operator leaves it
 * once everything is Ready, objects and status, and the ONTAP state ontap-sim needs to match. The
 * capture (hack/capture-upgrade-fixtures.ts) writes them; the upgrade e2e test applies them to a
 * fresh control plane and ontap-sim, starts the new operator, and compares. This module is the
 * format both sides share: which files, in which order, how an object is trimmed, how the ONTAP
 * state is put back, and how two versions of an object differ, field by field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { ClusterOntapClusterType, OntapAwsKmsType, OntapAzureKeyVaultType, OntapClusterType, OntapGcpKmsType } from '../../src/controller/resources.js';
import { type KubeApi, type KubeObject, NamespaceType, type ResourceType, SecretType } from '../../src/runtime/kube.js';
import { fingerprint, WRITE_ONLY_FIELDS } from '../../src/simulator/fingerprint.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import type { SimNode, SimSvm, StoredAwsKms, StoredAzureKeyVault, StoredGcpKms } from '../../src/simulator/state.js';
import { startTestSim } from './sim.js';

/** UPGRADE_FIXTURES is the directory holding one folder per released version. */
export const UPGRADE_FIXTURES = fileURLToPath(new URL('../fixtures/upgrade/', import.meta.url));

/** FixtureFile is one file of a version's fixtures: the objects of one kind, in apply order. */
export interface FixtureFile {
  readonly file: string;
  readonly type: ResourceType;
  readonly namespaced: boolean;
  /** status: the kind has a status subresource, written separately after the create. */
  readonly status: boolean;
}

/** FIXTURE_FILES are the object files, in the order they are applied. */
export const FIXTURE_FILES: readonly FixtureFile[] = [
  { file: 'namespaces.yaml', type: NamespaceType, namespaced: false, status: false },
  { file: 'secrets.yaml', type: SecretType, namespaced: true, status: false },
  { file: 'clusterontapclusters.yaml', type: ClusterOntapClusterType, namespaced: false, status: true },
  { file: 'ontapclusters.yaml', type: OntapClusterType, namespaced: true, status: true },
  { file: 'ontapawskmses.yaml', type: OntapAwsKmsType, namespaced: true, status: true },
  { file: 'ontapazurekeyvaults.yaml', type: OntapAzureKeyVaultType, namespaced: true, status: true },
  { file: 'ontapgcpkmses.yaml', type: OntapGcpKmsType, namespaced: true, status: true },
];

/** ONTAP_FILE holds the simulated cluster: its identity, SVMs, nodes and key-manager records. */
export const ONTAP_FILE = 'ontap.yaml';

/** OntapFixture is what ontap-sim must hold for the fixtures' status to be true. */
export interface OntapFixture {
  readonly version: string;
  /** capturedAt and commit say when, and from which tree, the fixtures were captured. */
  readonly capturedAt: string;
  readonly commit: string;
  /** operatorArgs are the operator's flags at capture (besides kubeconfig, servers and allow-list). */
  readonly operatorArgs: readonly string[];
  readonly cluster: { readonly name: string; readonly uuid: string };
  readonly svms: readonly SimSvm[];
  readonly nodes: readonly SimNode[];
  /** The records as GET /_sim/state shows them: write-only values as fingerprints. */
  readonly records: readonly StoredAwsKms[];
  readonly azureKeyVaults: readonly StoredAzureKeyVault[];
  readonly gcpKms: readonly StoredGcpKms[];
}

/** Fixture is one version's fixtures, read. */
export interface Fixture {
  readonly version: string;
  readonly dir: string;
  readonly ontap: OntapFixture;
  /** objects of each file of FIXTURE_FILES, in the same order. */
  readonly objects: ReadonlyArray<{ readonly kind: FixtureFile; readonly items: readonly KubeObject[] }>;
}

/** fixtureVersions lists the versions that have fixtures, oldest first. */
export function fixtureVersions(): string[] {
  const parts = (v: string): number[] => v.split('.').map((n) => Number.parseInt(n, 10));
  return readdirSync(UPGRADE_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d+\.\d+\.\d+$/.test(d.name))
    .map((d) => d.name)
    .sort((a, b) => {
      const [x, y] = [parts(a), parts(b)];
      for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    });
}

function readDocs(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as unknown;
  }).filter((d) => d !== null && d !== undefined);
}

/** loadFixture reads one version's fixtures. */
export function loadFixture(version: string): Fixture {
  const dir = join(UPGRADE_FIXTURES, version);
  const [ontap] = readDocs(join(dir, ONTAP_FILE)) as [OntapFixture];
  const objects = FIXTURE_FILES.map((kind) => ({ kind, items: readDocs(join(dir, kind.file)) as KubeObject[] }));
  return { version, dir, ontap, objects };
}

/** toYaml renders objects as a multi-document YAML file. */
export function toYaml(docs: readonly unknown[], header: string): string {
  return `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('')}`;
}

/**
 * trimObject keeps what a backup carries and a restore can put back: apiVersion, kind, the name,
 * namespace, labels, annotations and finalizers, and the body (spec, status, a Secret's type and
 * data). The server's own bookkeeping (uid, resourceVersion, generation, creationTimestamp,
 * managedFields) goes.
 */
export function trimObject(o: KubeObject): KubeObject {
  const { metadata, ...body } = o;
  const m: Record<string, unknown> = { name: metadata.name };
  if (metadata.namespace !== undefined && metadata.namespace !== '') m['namespace'] = metadata.namespace;
  for (const k of ['labels', 'annotations', 'finalizers'] as const) {
    const v = (metadata as Record<string, unknown>)[k];
    if (v !== undefined && v !== null && !(typeof v === 'object' && Object.keys(v).length === 0)) m[k] = v;
  }
  // The API server's own labels and fields on a Namespace (kubernetes.io/metadata.name, spec.finalizers, status.phase).
  if (o.kind === 'Namespace') {
    const labels = { ...(m['labels'] as Record<string, string> | undefined) };
    delete labels['kubernetes.io/metadata.name'];
    if (Object.keys(labels).length > 0) m['labels'] = labels;
    else delete m['labels'];
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: m } as KubeObject;
  }
  return { apiVersion: o.apiVersion, kind: o.kind, metadata: m, ...body } as KubeObject;
}

/** objectKey names an object as failure messages do: `Kind namespace/name` (`Kind name` when cluster-scoped). */
export function objectKey(o: KubeObject): string {
  const ns = o.metadata.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`;
}

/**
 * startFixtureSim starts ontap-sim holding the fixture's cluster: the same cluster uuid and name,
 * SVMs and nodes with their uuids, and every key-manager record under its uuid. Records cannot be
 * put back through ONTAP's REST API: a POST makes a new uuid, and a resource whose status names
 * another uuid adopts the record (an Adopted event, the credentials sent again). So they go
 * straight into the simulator's state, each write-only value taken from the fixture Secret whose
 * value has the fingerprint the capture recorded.
 */
export async function startFixtureSim(f: Fixture): Promise<SimulatorHandle> {
  const o = f.ontap;
  const sim = await startTestSim({ svms: o.svms.map((s) => s.name), nodes: o.nodes.length, clusterName: o.cluster.name, clusterUuid: o.cluster.uuid });
  sim.state.svms = o.svms.map((s) => ({ ...s }));
  sim.state.nodes = o.nodes.map((n) => ({ ...n }));
  const values = new Map<string, string>();
  for (const s of f.objects.find((x) => x.kind.type.kind === SecretType.kind)?.items ?? []) {
    for (const v of Object.values((s as { data?: Record<string, string> }).data ?? {})) {
      const text = Buffer.from(v, 'base64').toString('utf8');
      values.set(fingerprint(text), text);
      values.set(fingerprint(text.trim()), text.trim());
    }
  }
  const unmask = <T extends object>(record: T): T => {
    const out = { ...record } as Record<string, unknown>;
    for (const [k, v] of Object.entries(out)) {
      if (!WRITE_ONLY_FIELDS.has(k) || typeof v !== 'string') continue;
      const value = values.get(v);
      if (value === undefined) throw new Error(`${f.version}/${ONTAP_FILE}: no fixture Secret value has the fingerprint ${v} of ${k} (record ${String(out['uuid'])})`);
      out[k] = value;
    }
    return out as T;
  };
  for (const r of o.records) sim.state.records.set(r.uuid, unmask(r));
  for (const r of o.azureKeyVaults) sim.state.azureKeyVaults.set(r.uuid, unmask(r));
  for (const r of o.gcpKms) sim.state.gcpKms.set(r.uuid, unmask(r));
  return sim;
}

/** clusterResourceNamespace is the --cluster-resource-namespace the fixtures were captured with. */
export function clusterResourceNamespace(f: Fixture): string {
  const i = f.ontap.operatorArgs.indexOf('--cluster-resource-namespace');
  const ns = i >= 0 ? f.ontap.operatorArgs[i + 1] : undefined;
  if (ns === undefined) throw new Error(`${f.version}/${ONTAP_FILE}: operatorArgs name no --cluster-resource-namespace`);
  return ns;
}

/**
 * placeSim points the fixture at a running ontap-sim: each OntapCluster and ClusterOntapCluster's
 * endpoint, and the key its caBundleSecretRef names, become the sim's URL and CA. Both are the
 * environment's (a random port, a CA made at start), not the release's: the capture had others.
 * Nothing in a Ready status names either.
 */
export function placeSim(f: Fixture, sim: { readonly url: string; readonly caPem: string }): Fixture {
  const shared = clusterResourceNamespace(f);
  const caKeys = new Map<string, string>();
  const objects = f.objects.map(({ kind, items }) => {
    if (kind.type.kind !== OntapClusterType.kind && kind.type.kind !== ClusterOntapClusterType.kind) return { kind, items };
    return {
      kind,
      items: items.map((o) => {
        const spec = (o as unknown as { spec: Record<string, unknown> }).spec;
        const ca = spec['caBundleSecretRef'] as { name: string; key?: string } | undefined;
        if (ca) caKeys.set(`${kind.type.kind === ClusterOntapClusterType.kind ? shared : o.metadata.namespace}/${ca.name}`, ca.key ?? 'ca.crt');
        return { ...o, spec: { ...spec, endpoint: sim.url } };
      }),
    };
  });
  const withCa = objects.map(({ kind, items }) => {
    if (kind.type.kind !== SecretType.kind) return { kind, items };
    return {
      kind,
      items: items.map((s) => {
        const key = caKeys.get(`${s.metadata.namespace}/${s.metadata.name}`);
        if (key === undefined) return s;
        const data = { ...(s as { data?: Record<string, string> }).data, [key]: Buffer.from(sim.caPem).toString('base64') };
        return { ...s, data };
      }),
    };
  });
  return { ...f, objects: withCa };
}

/**
 * applyFixture creates every object of the fixture in order, then writes each one's status
 * through the status subresource, as a restore does. status.appliedSecrets[].resourceVersion names
 * a Secret version of the captured API server; here the same Secret has a new one, so each entry is
 * moved to the current version of the Secret it names (the capture checked that every entry was
 * the Secret's version then). That is what an in-place upgrade keeps: the same Secret, unchanged.
 * Returns the objects as sent (status included, appliedSecrets moved) and as stored once all is
 * applied, in the same order.
 */
export async function applyFixture(api: KubeApi, f: Fixture): Promise<{ sent: KubeObject[]; stored: KubeObject[] }> {
  const shared = clusterResourceNamespace(f);
  const secretVersions = new Map<string, string>();
  const sent: KubeObject[] = [];
  for (const { kind, items } of f.objects) {
    for (const o of items) {
      const ns = kind.namespaced ? (o.metadata.namespace ?? '') : '';
      const { status, ...body } = o as KubeObject & { status?: Record<string, unknown> };
      const created = await api.create(kind.type, ns, body);
      if (kind.type.kind === SecretType.kind) secretVersions.set(`${ns}/${o.metadata.name}`, created.metadata.resourceVersion ?? '');
      if (!kind.status || status === undefined) {
        sent.push(o);
        continue;
      }
      const applied = status['appliedSecrets'] as Array<{ name: string; resourceVersion: string }> | undefined;
      const secretNs = kind.type.kind === ClusterOntapClusterType.kind ? shared : ns;
      const moved = applied?.map((a) => {
        const rv = secretVersions.get(`${secretNs}/${a.name}`);
        if (rv === undefined) throw new Error(`${objectKey(o)}: status.appliedSecrets names Secret ${a.name}, which the fixtures do not hold`);
        return { ...a, resourceVersion: rv };
      });
      const next = moved ? { ...status, appliedSecrets: moved } : status;
      await api.mergePatch(kind.type, ns, o.metadata.name, { status: next }, { subresource: 'status' });
      sent.push({ ...o, status: next });
    }
  }
  return { sent, stored: await readBack(api, f) };
}

/** readBack reads every object of the fixture as the API server holds it now. */
export async function readBack(api: KubeApi, f: Fixture): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const { kind, items } of f.objects) {
    for (const o of items) {
      const got = await api.get(kind.type, kind.namespaced ? (o.metadata.namespace ?? '') : '', o.metadata.name);
      if (got === undefined) throw new Error(`${objectKey(o)} is gone`);
      out.push(got);
    }
  }
  return out;
}

/** removeFixture deletes the fixture's objects (their finalizers dropped first) and namespaces. */
export async function removeFixture(api: KubeApi, f: Fixture): Promise<void> {
  for (const { kind, items } of [...f.objects].reverse()) {
    for (const o of items) {
      const ns = kind.namespaced ? (o.metadata.namespace ?? '') : '';
      if (kind.status) await api.mergePatch(kind.type, ns, o.metadata.name, { metadata: { finalizers: null } }).catch(() => undefined);
      await api.delete(kind.type, ns, o.metadata.name).catch(() => undefined);
    }
  }
}

/**
 * keyed turns lists whose items have a name or type (conditions, appliedSecrets, node
 * reachability) into objects keyed by it, so that a diff names `conditions[Ready].message`, and
 * the order of such a list is no difference.
 */
function keyed(v: unknown): unknown {
  if (Array.isArray(v)) {
    const id = (x: unknown): string | undefined => {
      if (typeof x !== 'object' || x === null) return undefined;
      const r = x as Record<string, unknown>;
      const k = r['type'] ?? r['name'] ?? r['node'];
      return typeof k === 'string' ? k : undefined;
    };
    const ids = v.map(id);
    if (ids.every((k) => k !== undefined) && new Set(ids).size === ids.length) {
      return Object.fromEntries(v.map((x, i) => [`[${ids[i] ?? ''}]`, keyed(x)]));
    }
    return Object.fromEntries(v.map((x, i) => [`[${i}]`, keyed(x)]));
  }
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keyed(x)]));
  return v;
}

/**
 * fieldChanges lists every field that differs between two versions of an object, as
 * `path: before -> after` (`(absent)` for a field one side lacks). metadata.managedFields is left
 * out: it changes with any write, which resourceVersion already shows.
 */
export function fieldChanges(before: unknown, after: unknown): string[] {
  const strip = (o: unknown): unknown => {
    if (typeof o !== 'object' || o === null) return o;
    const { metadata, ...rest } = o as { metadata?: Record<string, unknown> };
    if (metadata === undefined) return o;
    const { managedFields: _m, ...m } = metadata;
    return { metadata: m, ...rest };
  };
  const out: string[] = [];
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));
  const walk = (a: unknown, b: unknown, path: string): void => {
    const objA = typeof a === 'object' && a !== null;
    const objB = typeof b === 'object' && b !== null;
    if (objA && objB) {
      const ra = a as Record<string, unknown>;
      const rb = b as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
        walk(ra[k], rb[k], k.startsWith('[') ? `${path}${k}` : path === '' ? k : `${path}.${k}`);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} -> ${show(b)}`);
  };
  walk(keyed(strip(before)), keyed(strip(after)), '');
  return out;
}
