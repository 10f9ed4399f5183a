import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_DOCS_PATH, renderApiDocs } from '../../../hack/gen-api-docs.js';
import { renderKindArtefacts } from '../../../hack/kinds/artefacts.js';
import { renderCRDs } from '../../../src/api/v1alpha1/render.js';
import { allCRDs } from '../../../src/api/v1alpha1/schema.js';
import type { JSONSchema } from '../../../src/api/v1alpha1/schema-builders.js';

// docs/api.md is compared with the renderer's output in crds.test.ts; these tests hold the
// renderer to saying everything the schemas say, and `npm run gen:crds` to writing it.

/** rowsOf finds the table rows of `path` in (a section of) the rendered reference. */
function rowsOf(doc: string, path: string): string[] {
  return doc.split('\n').filter((l) => l.startsWith(`| \`${path}\` |`));
}

interface Field {
  kind: string;
  path: string;
  schema: JSONSchema;
  required: boolean;
}

/** fields lists every field of every kind's spec and status, walked independently of the renderer. */
function fields(): Field[] {
  const out: Field[] = [];
  const walk = (kind: string, s: JSONSchema, path: string, required: boolean): void => {
    out.push({ kind, path, schema: s, required });
    const req = new Set(s.required ?? []);
    for (const [k, sub] of Object.entries(s.properties ?? {})) walk(kind, sub, `${path}.${k}`, req.has(k));
    const items = s.items;
    if (items?.properties) {
      const itemReq = new Set(items.required ?? []);
      for (const [k, sub] of Object.entries(items.properties)) walk(kind, sub, `${path}[].${k}`, itemReq.has(k));
    }
  };
  for (const { crd } of allCRDs) {
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    for (const part of ['spec', 'status']) {
      const s = root.properties?.[part];
      if (s) walk(crd.spec.names.kind, s, part, (root.required ?? []).includes(part));
    }
  }
  return out;
}

/** section is the part of the reference that documents `kind` (from its heading to the next kind's). */
function section(doc: string, kind: string): string {
  const start = doc.indexOf(`\n## ${kind}\n`);
  expect(start, `a section for ${kind}`).to.be.greaterThan(-1);
  const next = doc.indexOf('\n## ', start + 1);
  return next < 0 ? doc.slice(start) : doc.slice(start, next);
}

/** cell is `s` as a table cell holds it: a pipe escaped. */
const cell = (s: string): string => s.replace(/\|/g, '\\|');
/** prose is free text as a table cell holds it: no raw HTML, a pipe escaped. */
const prose = (s: string): string => cell(s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));

describe(`API reference (${API_DOCS_PATH})`, () => {
  const doc = renderApiDocs(allCRDs);
  const all = fields();

  it('walks a realistic number of fields (the walk below is not vacuous)', () => {
    expect(all.length).to.be.greaterThan(200);
    expect(new Set(all.map((f) => f.kind)).size).to.equal(allCRDs.length);
  });

  it('has one row for every field of every kind, with its type, required-ness and description', () => {
    const problems: string[] = [];
    for (const f of all) {
      const rows = rowsOf(section(doc, f.kind), f.path);
      if (rows.length !== 1) {
        problems.push(`${f.kind} ${f.path}: ${rows.length} rows`);
        continue;
      }
      const cells = rows[0]!.split(' | ');
      const type = f.schema.type === 'array' ? '[]' : f.schema.additionalProperties ? 'map[string]' : (f.schema.type ?? '');
      if (!cells[1]!.includes(type)) problems.push(`${f.kind} ${f.path}: type ${cells[1]}`);
      if ((cells[2] === 'yes') !== f.required) problems.push(`${f.kind} ${f.path}: required ${cells[2]}`);
      if (!rows[0]!.includes(prose(f.schema.description ?? ''))) problems.push(`${f.kind} ${f.path}: description`);
    }
    expect(problems).to.deep.equal([]);
  });

  it('states every default, bound, pattern, enum value and CEL message in the field\'s row', () => {
    const problems: string[] = [];
    const bound = (n: number): string => (n === Number.MAX_SAFE_INTEGER ? '2^53-1' : String(n));
    for (const f of all) {
      const row = rowsOf(section(doc, f.kind), f.path)[0] ?? '';
      const s = f.schema;
      const want: string[] = [];
      if (s.default !== undefined) want.push(`\`${JSON.stringify(s.default)}\``);
      for (const n of [s.minimum, s.maximum, s.minLength, s.maxLength, s.maxItems]) if (n !== undefined) want.push(bound(n));
      if (s.pattern !== undefined) want.push(`\`${cell(s.pattern)}\``);
      for (const e of s.enum ?? s.items?.enum ?? []) want.push(`\`${e}\``);
      if (s.items?.maxLength !== undefined) want.push(String(s.items.maxLength));
      for (const v of s['x-kubernetes-validations'] ?? []) want.push(prose(v.message), `\`${cell(v.rule)}\``);
      for (const w of want) if (!row.includes(w)) problems.push(`${f.kind} ${f.path}: ${w}`);
    }
    expect(problems).to.deep.equal([]);
  });

  it('lists every kind with its scope, names and printer columns', () => {
    for (const { crd } of allCRDs) {
      const text = section(doc, crd.spec.names.kind);
      expect(text).to.contain(`scope: ${crd.spec.scope}`);
      expect(text).to.contain(`plural \`${crd.spec.names.plural}\``);
      for (const s of crd.spec.names.shortNames) expect(text).to.contain(`\`${s}\``);
      for (const c of crd.spec.versions[0]!.additionalPrinterColumns) expect(text).to.contain(`| ${c.name} | ${c.type} | \`${cell(c.jsonPath)}\` |`);
    }
  });

  it('follows a change of the schema: a new field, bound or rule shows in the output', () => {
    const changed = structuredClone<typeof allCRDs>(allCRDs);
    const spec = changed[0]!.crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
    spec.properties!.brandNew = { type: 'integer', description: 'A field no schema has.', minimum: 3, maximum: 77 };
    spec.required = [...(spec.required ?? []), 'brandNew'];
    const out = renderApiDocs(changed);
    expect(out).to.not.equal(doc);
    expect(out).to.contain('| `spec.brandNew` | integer | yes |  | value 3..77 | A field no schema has. |');
  });

  it('`npm run gen:crds` (hack/gen-crds.ts) writes the CRDs, the chart\'s copy, docs/api.md and what the kinds table derives in one run', function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'gen-crds-'));
    try {
      // The script writes relative to its working directory, so a scratch one shows what it writes.
      execFileSync(resolve('node_modules/.bin/tsx'), [resolve('hack/gen-crds.ts')], { cwd: dir, stdio: 'pipe' });
      expect(readFileSync(join(dir, API_DOCS_PATH), 'utf8')).to.equal(doc);
      for (const sub of ['crds', 'charts/ontap-kms-operator/crds']) {
        expect(readdirSync(join(dir, sub)).sort(), sub).to.deep.equal([...renderCRDs().keys()].sort());
      }
      for (const [path, text] of renderKindArtefacts()) expect(readFileSync(join(dir, path), 'utf8'), path).to.equal(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
