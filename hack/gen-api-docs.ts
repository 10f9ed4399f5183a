/**
 * renderApiDocs turns the CRDs of src/api/v1alpha1/schema.ts (the objects crds/*.yaml are written
 * from) into docs/api.md: every kind, every field with its type, required-ness, default, bounds
 * (minimum/maximum, lengths, pattern, enum, CEL rules with their messages) and description.
 * hack/gen-crds.ts writes it in the same run as the CRDs; test/unit/api/crds.test.ts fails when
 * the committed file differs, and test/unit/api/api-docs.test.ts checks that it says everything. Pure: no file is read or written here.
 */
import type { CustomResourceDefinition } from '../src/api/v1alpha1/schema.js';
import type { JSONSchema } from '../src/api/v1alpha1/schema-builders.js';

/** API_DOCS_PATH is where the reference is written, relative to the repository root. */
export const API_DOCS_PATH = 'docs/api.md';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** text escapes free text for a Markdown table cell: no raw HTML, no cell breaks, one line. */
function text(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

/** code renders a value as a code span fit for a table cell (a pipe escaped, backticks fenced). */
function code(s: string): string {
  const body = s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
  const fence = body.includes('`') ? '``' : '`';
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** num renders a bound; 2^53-1 is written as such, the way the descriptions state it. */
function num(n: number): string {
  return n === MAX_SAFE ? '2^53-1' : String(n);
}

/** typeOf renders a schema's type: `string (date-time)`, `[]object`, `map[string]string`. */
function typeOf(s: JSONSchema): string {
  if (s.type === 'array') return `[]${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.additionalProperties && !s.properties) return `map[string]${typeOf(s.additionalProperties)}`;
  const t = s.type ?? 'any';
  return s.format ? `${t} (${s.format})` : t;
}

/** range renders lower and upper bounds as `1..65535`, `≥ 1` or `≤ 10`. */
function range(lo: number | undefined, hi: number | undefined): string | undefined {
  if (lo !== undefined && hi !== undefined) return `${num(lo)}..${num(hi)}`;
  if (lo !== undefined) return `≥ ${num(lo)}`;
  if (hi !== undefined) return `≤ ${num(hi)}`;
  return undefined;
}

/** constraints lists a schema's bounds and rules, in a stable order, for one table cell. */
function constraints(s: JSONSchema): string[] {
  const out: string[] = [];
  const values = range(s.minimum, s.maximum);
  if (values) out.push(`value ${values}`);
  const length = range(s.minLength, s.maxLength);
  if (length) out.push(`length ${length}`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.pattern !== undefined) out.push(`pattern ${code(s.pattern)}`);
  if (s.enum) out.push(`one of ${s.enum.map(code).join(', ')}`);
  if (s['x-kubernetes-list-type'] === 'map') out.push(`list map keyed by ${(s['x-kubernetes-list-map-keys'] ?? []).map(code).join(', ')}`);
  else if (s['x-kubernetes-list-type'] === 'set') out.push('set (no duplicates)');
  if (s.items && !s.items.properties) {
    const each = constraints(s.items);
    if (each.length > 0) out.push(`each item: ${each.join(', ')}`);
  }
  for (const v of s['x-kubernetes-validations'] ?? []) {
    const at = v.fieldPath ? ` (reported at ${code(v.fieldPath)})` : '';
    out.push(`CEL ${code(v.rule)}: “${text(v.message)}”${at}`);
  }
  return out;
}

interface Row {
  path: string;
  schema: JSONSchema;
  required: boolean;
}

/** rows walks a schema depth first: the node itself, its properties, its items, its map values. */
function rows(s: JSONSchema, path: string, required: boolean): Row[] {
  const out: Row[] = [{ path, schema: s, required }];
  const req = new Set(s.required ?? []);
  for (const [k, sub] of Object.entries(s.properties ?? {})) out.push(...rows(sub, `${path}.${k}`, req.has(k)));
  if (s.items?.properties) {
    const itemReq = new Set(s.items.required ?? []);
    if (s.items['x-kubernetes-validations']?.length) out.push({ path: `${path}[]`, schema: s.items, required: false });
    for (const [k, sub] of Object.entries(s.items.properties)) out.push(...rows(sub, `${path}[].${k}`, itemReq.has(k)));
  }
  if (s.additionalProperties?.properties) out.push(...rows(s.additionalProperties, `${path}.<key>`, false));
  return out;
}

/** table renders the rows of one part (spec or status) of a kind. */
function table(part: JSONSchema, name: string, required: boolean): string[] {
  const lines = [
    '| Field | Type | Required | Default | Bounds and rules | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows(part, name, required)) {
    const def = r.schema.default === undefined ? '' : code(JSON.stringify(r.schema.default));
    lines.push(
      `| ${code(r.path)} | ${text(typeOf(r.schema))} | ${r.required ? 'yes' : ''} | ${def} | ${constraints(r.schema).join('; ')} | ${text(r.schema.description ?? '')} |`,
    );
  }
  return lines;
}

/** anchor is the GitHub heading anchor of a kind's section. */
function anchor(kind: string): string {
  return kind.toLowerCase();
}

/** kindSection renders one CRD: names, scope, printer columns, spec and status tables. */
function kindSection(crd: CustomResourceDefinition): string[] {
  const { names, scope, group } = crd.spec;
  const version = crd.spec.versions[0]!;
  const root = version.schema.openAPIV3Schema;
  const props = root.properties ?? {};
  const lines = [
    `## ${names.kind}`,
    '',
    text(root.description ?? ''),
    '',
    `- API version: \`${group}/${version.name}\`; scope: ${scope}; status subresource: ${'status' in version.subresources ? 'yes' : 'no'}`,
    `- Names: plural \`${names.plural}\`, singular \`${names.singular}\`, short names ${names.shortNames.map((n) => `\`${n}\``).join(', ') || 'none'}, categories ${names.categories.map((n) => `\`${n}\``).join(', ')}`,
    `- Schema: crds/${group}_${names.plural}.yaml`,
    '',
    '`kubectl get` columns (priority 1: only with `-o wide`):',
    '',
    '| Column | Type | JSONPath | Priority | Description |',
    '|---|---|---|---|---|',
    ...version.additionalPrinterColumns.map((c) => `| ${c.name} | ${c.type} | ${code(c.jsonPath)} | ${c.priority ?? 0} | ${text(c.description)} |`),
    '',
  ];
  const required = new Set(root.required ?? []);
  for (const part of ['spec', 'status'] as const) {
    const s = props[part];
    if (!s) continue;
    lines.push(`### ${names.kind} ${part}`, '', ...table(s, part, required.has(part)), '');
  }
  return lines;
}

/** renderApiDocs returns the text of docs/api.md for `crds`. */
export function renderApiDocs(crds: ReadonlyArray<{ file: string; crd: CustomResourceDefinition }>): string {
  const sorted = [...crds].sort((a, b) => a.crd.spec.names.kind.localeCompare(b.crd.spec.names.kind));
  const group = sorted[0]?.crd.spec.group ?? '';
  const lines = [
    '<!-- Generated from src/api/v1alpha1/schema.ts by `npm run gen:crds` (hack/gen-api-docs.ts). Do not edit. -->',
    '# API reference',
    '',
    `Every kind of \`${group}\` and every field of its spec and status, generated from the same`,
    'schemas as the CRDs under crds/ (src/api/v1alpha1/schema.ts), so it cannot trail them: a unit',
    'test (test/unit/api/crds.test.ts) fails when this file differs from what `npm run gen:crds`',
    'writes. The README says how the kinds work together; docs/ontap-rest.md says what each field',
    'becomes on ONTAP.',
    '',
    'How to read the tables:',
    '',
    '- **Field** is the path from the object root; `[]` is an element of a list, `<key>` a key of a map.',
    '- **Required** is "yes" when the API server refuses the object without the field, given that its',
    '  parent is set (a required field of an optional object is required only when that object is given).',
    '- **Default** is what the API server fills in when the field is left out.',
    '- **Bounds and rules**: `value a..b` (minimum..maximum), `length a..b` (of a string), `pattern`',
    '  (a regular expression the whole value must match), `one of` (the allowed values), and CEL',
    '  rules (`x-kubernetes-validations`) with the message the API server answers when one fails.',
    '  `oldSelf` in a rule is the stored value, so `self == oldSelf` makes a field immutable.',
    '- Status is written by the operator only; its bounds are what the API server enforces on it.',
    '',
    '## Kinds',
    '',
    ...sorted.map(({ crd }) => `- [${crd.spec.names.kind}](#${anchor(crd.spec.names.kind)}) (${crd.spec.scope}): ${text(firstSentence(crd.spec.versions[0]!.schema.openAPIV3Schema.description ?? ''))}`),
    '',
  ];
  for (const { crd } of sorted) lines.push(...kindSection(crd));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** firstSentence is the text up to the first ". " (or all of it). */
function firstSentence(s: string): string {
  const i = s.indexOf('. ');
  return i < 0 ? s : s.slice(0, i + 1);
}
