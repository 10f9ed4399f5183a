/**
 * Rendering helpers: `helm template` of the chart, parsed into plain objects, and lookups by
 * kind and name.
 */
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, helm, withAllowList } from './install.js';

/** Manifest is one rendered Kubernetes object, as parsed YAML. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** parseManifests parses a multi-document YAML stream; empty documents are skipped. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isManifest(value)) throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    out.push(value);
  }
  return out;
}

function isManifest(v: unknown): v is Manifest {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof meta?.name === 'string';
}

/**
 * renderChart runs `helm template` with `args` (e.g. --set flags) and parses the result. The
 * chart requires an allow-list: without an allow-list value in `args`, TEST_ALLOW_LIST is added.
 */
export async function renderChart(args: readonly string[] = [], release = 'ontap-kms-operator', namespace = 'ontap-kms-system'): Promise<Manifest[]> {
  return parseManifests(await helm(['template', release, CHART_DIR, '--namespace', namespace, ...withAllowList(args)]));
}

/** renderError runs `helm template` with exactly `args` and returns helm's error message; it throws when the chart renders. */
export async function renderError(args: readonly string[]): Promise<string> {
  try {
    await helm(['template', 'ontap-kms-operator', CHART_DIR, '--namespace', 'ontap-kms-system', ...args]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error(`helm template ${args.join(' ')} rendered; want a failure`);
}

/** find returns the one object of `kind` (and `name`, `namespace` when given); it throws otherwise. */
export function find(manifests: readonly Manifest[], kind: string, name?: string, namespace?: string): Manifest {
  const hits = manifests.filter(
    (m) => m.kind === kind && (name === undefined || m.metadata.name === name) && (namespace === undefined || m.metadata.namespace === namespace),
  );
  if (hits.length !== 1) throw new Error(`want one ${kind} ${namespace ?? ''}/${name ?? '*'}, found ${hits.length}`);
  return hits[0] as Manifest;
}

/** key identifies an object: kind, namespace and name. */
export function key(m: Manifest): string {
  return `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

/** at walks a path of keys and indexes into a parsed object. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
