/**
 * The repository's examples, adapted to the simulator: only the values that must point at it
 * change (endpoint, CA, ONTAP credentials) and the drift-check interval is shortened, so that
 * the demo applies what a user would.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** SimTarget is what the examples must be pointed at. */
export interface SimTarget {
  readonly url: string;
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
  /** driftCheckIntervalSeconds for every OntapAwsKms. */
  readonly driftCheckIntervalSeconds: number;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(o: Obj, k: string): Obj {
  const v = o[k];
  if (!isObj(v)) throw new Error(`example ${String((o.metadata as Obj | undefined)?.name)}: no ${k}`);
  return v;
}

/** rewrite adapts one example object in place and returns it. */
function rewrite(o: Obj, t: SimTarget): Obj {
  const name = String(child(o, 'metadata').name);
  if (o.kind === 'OntapCluster') child(o, 'spec').endpoint = t.url;
  if (o.kind === 'OntapAwsKms') child(o, 'spec').driftCheckIntervalSeconds = t.driftCheckIntervalSeconds;
  if (o.kind === 'Secret' && name === 'prod-a-admin') o.stringData = { username: t.username, password: t.password };
  if (o.kind === 'Secret' && name === 'prod-a-ca') o.stringData = { 'ca.crt': t.caPem };
  return o;
}

/** loadExample reads examples/FILE, rewrites it for the simulator and returns the objects. */
export async function loadExample(file: string, target: SimTarget): Promise<Obj[]> {
  const docs = parseAllDocuments(await readFile(`${EXAMPLES}${file}`, 'utf8'));
  return docs.map((d) => d.toJS() as unknown).filter(isObj).map((o) => rewrite(o, target));
}

/** toYaml joins objects into one multi-document YAML stream. */
export function toYaml(objects: readonly Obj[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

/** describe names an object as kubectl does: kind/name. */
export function describe(o: Obj): string {
  return `${String(o.kind).toLowerCase()}/${String(child(o, 'metadata').name)}`;
}
