import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderCRDs } from '../../../src/api/v1alpha1/render.js';
import { ontapAwsKmsCRD, ontapClusterCRD } from '../../../src/api/v1alpha1/schema.js';
import type { JSONSchema } from '../../../src/api/v1alpha1/schema-builders.js';
import { parseOntapAwsKms, parseOntapCluster } from '../../../src/api/v1alpha1/parse.js';
import { loadExamples } from '../../support/examples.js';
import { validateAgainstSchema } from '../../support/schema-validate.js';
import { fullAwsKmsSpec, fullAwsKmsStatus, fullClusterSpec, fullClusterStatus } from '../../support/builders.js';

const specOf = (crd: typeof ontapClusterCRD): JSONSchema => crd.spec.versions[0]!.schema.openAPIV3Schema;

/** keysMismatch lists paths present in the value but not the schema, and the other way round. */
function keysMismatch(value: unknown, schema: JSONSchema, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => (schema.items ? keysMismatch(v, schema.items, `${path}[${i}]`) : []));
  if (typeof value !== 'object' || value === null || !schema.properties) return [];
  const obj = value as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(schema.properties)) if (!(k in obj)) out.push(`${path}.${k} is in the schema, not the type`);
  for (const [k, v] of Object.entries(obj)) {
    const sub = schema.properties[k];
    if (!sub) out.push(`${path}.${k} is in the type, not the schema`);
    else out.push(...keysMismatch(v, sub, `${path}.${k}`));
  }
  return out;
}

describe('CRDs', () => {
  for (const dir of ['crds', 'charts/ontap-kms-operator/crds']) {
    it(`${dir}/ holds exactly what src/api/v1alpha1/schema.ts renders (run npm run gen:crds)`, () => {
      const rendered = renderCRDs();
      expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).to.deep.equal([...rendered.keys()].sort());
      for (const [file, text] of rendered) expect(readFileSync(join(dir, file), 'utf8'), file).to.equal(text);
    });
  }

  const cases = [
    { name: 'OntapCluster spec', value: fullClusterSpec, schema: specOf(ontapClusterCRD).properties!.spec! },
    { name: 'OntapCluster status', value: fullClusterStatus, schema: specOf(ontapClusterCRD).properties!.status! },
    { name: 'OntapAwsKms spec', value: fullAwsKmsSpec, schema: specOf(ontapAwsKmsCRD).properties!.spec! },
    { name: 'OntapAwsKms status', value: fullAwsKmsStatus, schema: specOf(ontapAwsKmsCRD).properties!.status! },
  ];
  for (const c of cases) {
    it(`the TypeScript type and the schema of ${c.name} have the same fields`, () => {
      expect(keysMismatch(c.value, c.schema, c.name)).to.deep.equal([]);
      expect(validateAgainstSchema(c.value, c.schema, c.name)).to.deep.equal([]);
    });
  }

  it('describes every field, for kubectl explain', () => {
    const missing: string[] = [];
    const walk = (s: JSONSchema, path: string): void => {
      if (path !== 'metadata' && !path.endsWith('.metadata') && !s.description) missing.push(path);
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, path ? `${path}.${k}` : k);
      if (s.items) walk(s.items, `${path}[]`);
    };
    walk(specOf(ontapClusterCRD), 'OntapCluster');
    walk(specOf(ontapAwsKmsCRD), 'OntapAwsKms');
    expect(missing.filter((p) => !p.endsWith('.metadata'))).to.deep.equal([]);
  });

  it('has the printer columns and short names of api.md', () => {
    const cols = (crd: typeof ontapClusterCRD): string[] => crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name);
    expect(cols(ontapAwsKmsCRD)).to.deep.equal(['Cluster', 'SVM', 'Region', 'Ready', 'Synced', 'AmazonReachable', 'Age']);
    expect(cols(ontapClusterCRD)).to.deep.equal(['Endpoint', 'Version', 'Ready', 'Age']);
    expect(ontapAwsKmsCRD.spec.names.shortNames).to.deep.equal(['awskms']);
    expect(ontapClusterCRD.spec.names.shortNames).to.deep.equal(['ontapcl']);
    expect(ontapAwsKmsCRD.spec.versions[0]!.subresources).to.deep.equal({ status: {} });
  });

  it('the YAML parses back to the same object', () => {
    for (const [, text] of renderCRDs()) expect(parse(text)).to.have.nested.property('spec.group', 'kms.ontap.dev');
  });
});

describe('examples', () => {
  const docs = loadExamples();
  it('there are examples of both kinds', () => {
    expect(docs.map((d) => d.kind)).to.include.members(['OntapCluster', 'OntapAwsKms', 'Secret']);
  });
  for (const d of docs.filter((x) => x.kind === 'OntapCluster' || x.kind === 'OntapAwsKms')) {
    it(`${d.file}: ${d.kind}/${d.name} is valid against the CRD schema and parses`, () => {
      const crd = d.kind === 'OntapCluster' ? ontapClusterCRD : ontapAwsKmsCRD;
      expect(validateAgainstSchema(d.doc, specOf(crd))).to.deep.equal([]);
      const withMeta = { ...d.doc, metadata: { ...(d.doc.metadata as object), uid: 'u', generation: 1 } };
      const parsed = d.kind === 'OntapCluster' ? parseOntapCluster(withMeta) : parseOntapAwsKms(withMeta);
      expect(parsed.metadata.name).to.equal(d.name);
    });
  }
  it('every Secret an example references is in the examples', () => {
    const secrets = new Set(docs.filter((d) => d.kind === 'Secret').map((d) => d.name));
    for (const d of docs.filter((x) => x.kind === 'OntapAwsKms')) {
      const kms = parseOntapAwsKms(d.doc);
      expect(secrets, d.name).to.include(kms.spec.credentialsSecretRef.name);
      if (kms.spec.proxy?.passwordSecretRef) expect(secrets).to.include(kms.spec.proxy.passwordSecretRef.name);
    }
  });
});

describe('schema validation (structural)', () => {
  const kms = specOf(ontapAwsKmsCRD);
  const base = { apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapAwsKms', metadata: { name: 'x' }, spec: fullAwsKmsSpec };
  const cases: Array<{ reason: string; spec: Record<string, unknown>; field: string }> = [
    { reason: 'port above 65535', spec: { port: 70000 }, field: '.spec.port' },
    { reason: 'port 0', spec: { port: 0 }, field: '.spec.port' },
    { reason: 'proxy.port out of range', spec: { proxy: { host: 'p', port: 0 } }, field: '.spec.proxy.port' },
    { reason: 'proxy.type not http/https', spec: { proxy: { host: 'p', type: 'socks5' } }, field: '.spec.proxy.type' },
    { reason: 'proxy without host', spec: { proxy: { port: 3128 } }, field: '.spec.proxy.host' },
    { reason: 'pollingPeriodMinutes 0', spec: { pollingPeriodMinutes: 0 }, field: '.spec.pollingPeriodMinutes' },
    { reason: 'timeoutSeconds 0', spec: { timeoutSeconds: 0 }, field: '.spec.timeoutSeconds' },
    { reason: 'driftCheckIntervalSeconds below 10', spec: { driftCheckIntervalSeconds: 9 }, field: '.spec.driftCheckIntervalSeconds' },
    { reason: 'unknown field', spec: { bogus: 1 }, field: '.spec.bogus' },
    { reason: 'deletionPolicy not Retain/Delete', spec: { deletionPolicy: 'Destroy' }, field: '.spec.deletionPolicy' },
  ];
  it('accepts the full spec', () => {
    expect(validateAgainstSchema(base, kms)).to.deep.equal([]);
  });
  for (const c of cases) {
    it(`rejects ${c.reason}, naming ${c.field}`, () => {
      const errors = validateAgainstSchema({ ...base, spec: { ...fullAwsKmsSpec, ...c.spec } }, kms);
      expect(errors.join('\n')).to.contain(c.field);
    });
  }
});
