import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderCRDs } from '../../../src/api/v1alpha1/render.js';
import { API_DOCS_PATH, renderApiDocs } from '../../../hack/gen-api-docs.js';
import { renderKindArtefacts } from '../../../hack/kinds/artefacts.js';
import { allCRDs, clusterOntapClusterCRD, ontapAwsKmsCRD, ontapAzureKeyVaultCRD, ontapClusterCRD, ontapGcpKmsCRD, ontapKmipCRD, ontapOnboardKeyManagerCRD } from '../../../src/api/v1alpha1/schema.js';
import { Limits } from '../../../src/api/v1alpha1/constants.js';
import type { JSONSchema } from '../../../src/api/v1alpha1/schema-builders.js';
import { parseClusterOntapCluster, parseOntapAwsKms, parseOntapAzureKeyVault, parseOntapCluster, parseOntapGcpKms, parseOntapKmip, parseOntapOnboardKeyManager } from '../../../src/api/v1alpha1/parse.js';
import { loadExamples } from '../../support/examples.js';
import { validateAgainstSchema } from '../../support/schema-validate.js';
import {
  fullAwsKmsSpec,
  fullAwsKmsStatus,
  fullAzureKeyVaultSpec,
  fullAzureKeyVaultStatus,
  fullClusterSpec,
  fullClusterStatus,
  fullGcpKmsSpec,
  fullGcpKmsStatus,
  fullSharedSpec,
} from '../../support/builders.js';

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

  it(`${API_DOCS_PATH} holds exactly what hack/gen-api-docs.ts renders from the same CRDs (run npm run gen:crds)`, () => {
    expect(readFileSync(API_DOCS_PATH, 'utf8')).to.equal(renderApiDocs(allCRDs));
  });

  for (const [path, text] of renderKindArtefacts()) {
    it(`${path} holds exactly what hack/kinds/ renders from the kinds table (run npm run gen:crds)`, () => {
      expect(readFileSync(path, 'utf8')).to.equal(text);
    });
  }

  const cases = [
    { name: 'OntapCluster spec', value: fullClusterSpec, schema: specOf(ontapClusterCRD).properties!.spec! },
    { name: 'OntapCluster status', value: fullClusterStatus, schema: specOf(ontapClusterCRD).properties!.status! },
    { name: 'OntapAwsKms spec', value: fullAwsKmsSpec, schema: specOf(ontapAwsKmsCRD).properties!.spec! },
    { name: 'OntapAwsKms status', value: fullAwsKmsStatus, schema: specOf(ontapAwsKmsCRD).properties!.status! },
    { name: 'ClusterOntapCluster spec', value: fullSharedSpec, schema: specOf(clusterOntapClusterCRD).properties!.spec! },
    { name: 'ClusterOntapCluster status', value: fullClusterStatus, schema: specOf(clusterOntapClusterCRD).properties!.status! },
    { name: 'OntapAzureKeyVault spec', value: fullAzureKeyVaultSpec, schema: specOf(ontapAzureKeyVaultCRD).properties!.spec! },
    { name: 'OntapAzureKeyVault status', value: fullAzureKeyVaultStatus, schema: specOf(ontapAzureKeyVaultCRD).properties!.status! },
    { name: 'OntapGcpKms spec', value: fullGcpKmsSpec, schema: specOf(ontapGcpKmsCRD).properties!.spec! },
    { name: 'OntapGcpKms status', value: fullGcpKmsStatus, schema: specOf(ontapGcpKmsCRD).properties!.status! },
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
    for (const { crd } of allCRDs) walk(specOf(crd), crd.spec.names.kind);
    expect(missing.filter((p) => !p.endsWith('.metadata'))).to.deep.equal([]);
  });

  it('has the printer columns and short names of api.md', () => {
    const cols = (crd: typeof ontapClusterCRD): string[] => crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name);
    expect(cols(ontapAwsKmsCRD)).to.deep.equal(['Cluster', 'SVM', 'Region', 'Ready', 'Reason', 'Synced', 'AmazonReachable', 'Kind', 'Age']);
    expect(ontapAwsKmsCRD.spec.versions[0]!.additionalPrinterColumns.find((c) => c.name === 'Kind')?.priority, 'Kind only with -o wide').to.equal(1);
    expect(cols(ontapClusterCRD)).to.deep.equal(['Endpoint', 'Version', 'Ready', 'Reason', 'Age']);
    expect(cols(clusterOntapClusterCRD)).to.deep.equal(['Endpoint', 'Version', 'Ready', 'Reason', 'Age']);
    expect(clusterOntapClusterCRD.spec.scope).to.equal('Cluster');
    expect(clusterOntapClusterCRD.spec.names.shortNames).to.deep.equal(['clusterontapcl']);
    expect(ontapAwsKmsCRD.spec.names.shortNames).to.deep.equal(['awskms']);
    expect(ontapClusterCRD.spec.names.shortNames).to.deep.equal(['ontapcl']);
    expect(ontapAwsKmsCRD.spec.versions[0]!.subresources).to.deep.equal({ status: {} });
  });

  it('gives the Azure and GCP key managers OntapAwsKms\'s columns, with their own place and reachability', () => {
    const cols = (crd: typeof ontapClusterCRD): string[] => crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name);
    const wide = (crd: typeof ontapClusterCRD): string[] => crd.spec.versions[0]!.additionalPrinterColumns.filter((c) => c.priority === 1).map((c) => c.name);
    expect(cols(ontapAzureKeyVaultCRD)).to.deep.equal(['Cluster', 'SVM', 'Vault', 'Ready', 'Reason', 'Synced', 'AzureReachable', 'Kind', 'Age']);
    expect(cols(ontapGcpKmsCRD)).to.deep.equal(['Cluster', 'SVM', 'Project', 'Ready', 'Reason', 'Synced', 'GoogleReachable', 'Location', 'Kind', 'Age']);
    expect(wide(ontapAzureKeyVaultCRD)).to.deep.equal(['Kind']);
    expect(wide(ontapGcpKmsCRD)).to.deep.equal(['Location', 'Kind']);
    for (const crd of [ontapAwsKmsCRD, ontapAzureKeyVaultCRD, ontapGcpKmsCRD]) {
      expect(crd.spec.scope, crd.spec.names.kind).to.equal('Namespaced');
      expect(crd.spec.names.categories, crd.spec.names.kind).to.deep.equal(['ontap', 'ontapkms']);
      expect(crd.spec.versions[0]!.subresources, crd.spec.names.kind).to.deep.equal({ status: {} });
    }
    expect(ontapAzureKeyVaultCRD.spec.names).to.include({ plural: 'ontapazurekeyvaults', singular: 'ontapazurekeyvault' });
    expect(ontapAzureKeyVaultCRD.spec.names.shortNames).to.deep.equal(['azurekv']);
    expect(ontapGcpKmsCRD.spec.names).to.include({ plural: 'ontapgcpkmses', singular: 'ontapgcpkms' });
    expect(ontapGcpKmsCRD.spec.names.shortNames).to.deep.equal(['gcpkms']);
  });

  it('the YAML parses back to the same object', () => {
    for (const [, text] of renderCRDs()) expect(parse(text)).to.have.nested.property('spec.group', 'kms.ontap.dev');
  });
});

describe('examples', () => {
  const docs = loadExamples();
  it('there are examples of both kinds', () => {
    expect(docs.map((d) => d.kind)).to.include.members(['OntapCluster', 'OntapAwsKms', 'OntapAzureKeyVault', 'OntapGcpKms', 'ClusterOntapCluster', 'Secret']);
  });
  const crdOf = {
    OntapCluster: ontapClusterCRD,
    OntapAwsKms: ontapAwsKmsCRD,
    OntapAzureKeyVault: ontapAzureKeyVaultCRD,
    OntapGcpKms: ontapGcpKmsCRD,
    OntapOnboardKeyManager: ontapOnboardKeyManagerCRD,
    OntapKmip: ontapKmipCRD,
    ClusterOntapCluster: clusterOntapClusterCRD,
  } as const;
  const parserOf = {
    OntapCluster: parseOntapCluster,
    OntapAwsKms: parseOntapAwsKms,
    OntapAzureKeyVault: parseOntapAzureKeyVault,
    OntapGcpKms: parseOntapGcpKms,
    OntapOnboardKeyManager: parseOntapOnboardKeyManager,
    OntapKmip: parseOntapKmip,
    ClusterOntapCluster: parseClusterOntapCluster,
  } as const;
  it('every kind has an example, and every example is a Secret or a kind checked below', () => {
    const kinds = new Set(docs.map((d) => d.kind));
    for (const { crd } of allCRDs) expect([...kinds], 'examples/').to.include(crd.spec.names.kind);
    expect(Object.keys(crdOf).sort(), 'crdOf covers allCRDs').to.deep.equal(allCRDs.map((c) => c.crd.spec.names.kind).sort());
    for (const k of kinds) expect(k === 'Secret' || Object.hasOwn(crdOf, k), k).to.equal(true);
  });
  for (const d of docs.filter((x): x is typeof x & { kind: keyof typeof crdOf } => Object.hasOwn(crdOf, x.kind))) {
    it(`${d.file}: ${d.kind}/${d.name} is valid against the CRD schema and parses`, () => {
      expect(validateAgainstSchema(d.doc, specOf(crdOf[d.kind]))).to.deep.equal([]);
      const withMeta = { ...d.doc, metadata: { ...(d.doc.metadata as object), uid: 'u', generation: 1 } };
      const parsed = parserOf[d.kind](withMeta);
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
    const refs = (spec: { proxy?: { passwordSecretRef?: { name: string } } }, ...own: Array<{ name: string } | undefined>): string[] =>
      [...own, spec.proxy?.passwordSecretRef].flatMap((r) => (r ? [r.name] : []));
    for (const d of docs.filter((x) => x.kind === 'OntapAzureKeyVault')) {
      const { spec } = parseOntapAzureKeyVault(d.doc);
      for (const name of refs(spec, spec.clientSecretRef, spec.clientCertificateRef)) expect(secrets, d.name).to.include(name);
    }
    for (const d of docs.filter((x) => x.kind === 'OntapKmip')) {
      const { spec } = parseOntapKmip(d.doc);
      for (const name of [spec.clientCertificateSecretRef.name, spec.serverCASecretRef.name, ...spec.servers.flatMap((s) => (s.passwordSecretRef ? [s.passwordSecretRef.name] : []))]) {
        expect(secrets, d.name).to.include(name);
      }
    }
    for (const d of docs.filter((x) => x.kind === 'OntapOnboardKeyManager')) {
      expect(secrets, d.name).to.include(parseOntapOnboardKeyManager(d.doc).spec.passphraseSecretRef.name);
    }
    for (const d of docs.filter((x) => x.kind === 'OntapGcpKms')) {
      const { spec } = parseOntapGcpKms(d.doc);
      for (const name of refs(spec, spec.applicationCredentialsSecretRef)) expect(secrets, d.name).to.include(name);
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

describe('limits (structural)', () => {
  const kms = specOf(ontapAwsKmsCRD);
  const cluster = specOf(ontapClusterCRD);
  const shared = specOf(clusterOntapClusterCRD);
  const kmsDoc = (spec: Record<string, unknown>): object => ({ apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapAwsKms', metadata: { name: 'x' }, spec: { ...fullAwsKmsSpec, ...spec } });
  const { clientCertificateSecretRef: _cert, ...basicAuthCluster } = fullClusterSpec;
  const clusterDoc = (spec: Record<string, unknown>): object => ({ apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'OntapCluster', metadata: { name: 'x' }, spec: { ...basicAuthCluster, ...spec } });
  const { clientCertificateSecretRef: _sharedCert, ...basicAuthShared } = fullSharedSpec;
  const sharedDoc = (spec: Record<string, unknown>): object => ({ apiVersion: 'kms.ontap.dev/v1alpha1', kind: 'ClusterOntapCluster', metadata: { name: 'x' }, spec: { ...basicAuthShared, ...spec } });
  const a = (n: number): string => 'a'.repeat(n);
  const proxy = (p: Record<string, unknown>): Record<string, unknown> => ({ proxy: { ...fullAwsKmsSpec.proxy, ...p } });
  const aws = (r: Record<string, unknown>): Record<string, unknown> => ({ credentialsSecretRef: { ...fullAwsKmsSpec.credentialsSecretRef, ...r } });

  // Each limit both ways: the value at the limit is accepted, the one just past it is refused
  // with an error naming the field.
  const limits: Array<{ limit: string; field: string; kind: 'kms' | 'cluster' | 'shared'; at: Record<string, unknown>; past: Record<string, unknown> }> = [
    { limit: 'at most 2048 characters', field: '.spec.keyId', kind: 'kms', at: { keyId: a(Limits.maxKeyIdLength) }, past: { keyId: a(Limits.maxKeyIdLength + 1) } },
    { limit: 'at most 64 characters', field: '.spec.region', kind: 'kms', at: { region: a(Limits.maxRegionLength) }, past: { region: a(Limits.maxRegionLength + 1) } },
    { limit: "lower case, digits and '-'", field: '.spec.region', kind: 'kms', at: { region: 'us-gov-west-1' }, past: { region: 'US-EAST-1' } },
    { limit: 'at most 47 characters (ONTAP)', field: '.spec.svm.name', kind: 'kms', at: { svm: { name: a(Limits.maxSvmNameLength) } }, past: { svm: { name: a(Limits.maxSvmNameLength + 1) } } },
    { limit: 'at most 253 characters', field: '.spec.clusterRef.name', kind: 'kms', at: { clusterRef: { name: a(253) } }, past: { clusterRef: { name: a(254) } } },
    { limit: 'a DNS subdomain', field: '.spec.clusterRef.name', kind: 'kms', at: { clusterRef: { name: 'prod-a.storage' } }, past: { clusterRef: { name: 'Prod_A' } } },
    { limit: 'at most 253 characters', field: '.spec.credentialsSecretRef.name', kind: 'kms', at: aws({ name: a(253) }), past: aws({ name: a(254) }) },
    { limit: 'at most 253 characters', field: '.spec.credentialsSecretRef.accessKeyIdKey', kind: 'kms', at: aws({ accessKeyIdKey: a(253) }), past: aws({ accessKeyIdKey: a(254) }) },
    { limit: "letters, digits, '-', '_' and '.'", field: '.spec.credentialsSecretRef.secretAccessKeyKey', kind: 'kms', at: aws({ secretAccessKeyKey: 'AWS_secret.key-2' }), past: aws({ secretAccessKeyKey: 'aws/secret' }) },
    { limit: 'at most 253 characters', field: '.spec.service', kind: 'kms', at: { service: a(253) }, past: { service: a(254) } },
    { limit: 'at most 253 characters', field: '.spec.defaultDomain', kind: 'kms', at: { defaultDomain: a(253) }, past: { defaultDomain: a(254) } },
    { limit: 'at most 253 characters', field: '.spec.host', kind: 'kms', at: { host: a(253) }, past: { host: a(254) } },
    { limit: 'at most 65535', field: '.spec.port', kind: 'kms', at: { port: 65535 }, past: { port: 65536 } },
    { limit: 'at most 253 characters', field: '.spec.proxy.host', kind: 'kms', at: proxy({ host: a(253) }), past: proxy({ host: a(254) }) },
    { limit: 'at most 65535', field: '.spec.proxy.port', kind: 'kms', at: proxy({ port: 65535 }), past: proxy({ port: 65536 }) },
    { limit: 'at most 256 characters', field: '.spec.proxy.username', kind: 'kms', at: proxy({ username: a(Limits.maxProxyUsernameLength) }), past: proxy({ username: a(Limits.maxProxyUsernameLength + 1) }) },
    { limit: 'at most 253 characters', field: '.spec.proxy.passwordSecretRef.name', kind: 'kms', at: proxy({ passwordSecretRef: { name: a(253), key: 'password' } }), past: proxy({ passwordSecretRef: { name: a(254), key: 'password' } }) },
    { limit: 'at most 253 characters', field: '.spec.proxy.passwordSecretRef.key', kind: 'kms', at: proxy({ passwordSecretRef: { name: 'p', key: a(253) } }), past: proxy({ passwordSecretRef: { name: 'p', key: a(254) } }) },
    { limit: 'at most 1440', field: '.spec.pollingPeriodMinutes', kind: 'kms', at: { pollingPeriodMinutes: Limits.maxPollingPeriodMinutes }, past: { pollingPeriodMinutes: Limits.maxPollingPeriodMinutes + 1 } },
    { limit: 'at most 300', field: '.spec.timeoutSeconds', kind: 'kms', at: { timeoutSeconds: Limits.maxTimeoutSeconds }, past: { timeoutSeconds: Limits.maxTimeoutSeconds + 1 } },
    { limit: 'at most 2048 characters', field: '.spec.encryptionContext', kind: 'kms', at: { encryptionContext: a(2048) }, past: { encryptionContext: a(2049) } },
    { limit: 'at most 86400', field: '.spec.driftCheckIntervalSeconds', kind: 'kms', at: { driftCheckIntervalSeconds: 86400 }, past: { driftCheckIntervalSeconds: 86401 } },
    { limit: 'at most 2048 characters', field: '.spec.endpoint', kind: 'cluster', at: { endpoint: `https://${a(2040)}` }, past: { endpoint: `https://${a(2041)}` } },
    // A namespace's own cluster holds a worker every namespace shares: it may make one wait less than the platform team's.
    { limit: 'at most 30', field: '.spec.requestTimeoutSeconds', kind: 'cluster', at: { requestTimeoutSeconds: 30 }, past: { requestTimeoutSeconds: 31 } },
    { limit: 'at most 120', field: '.spec.requestTimeoutSeconds', kind: 'shared', at: { requestTimeoutSeconds: 120 }, past: { requestTimeoutSeconds: 121 } },
    { limit: 'at most 64', field: '.spec.maxConcurrentRequests', kind: 'cluster', at: { maxConcurrentRequests: 64 }, past: { maxConcurrentRequests: 65 } },
    { limit: 'at most 253 characters', field: '.spec.credentialsSecretRef.name', kind: 'cluster', at: { credentialsSecretRef: { name: a(253) } }, past: { credentialsSecretRef: { name: a(254) } } },
    { limit: "letters, digits, '-', '_' and '.'", field: '.spec.caBundleSecretRef.key', kind: 'cluster', at: { caBundleSecretRef: { name: 'ca', key: a(253) } }, past: { caBundleSecretRef: { name: 'ca', key: 'ca crt' } } },
  ];
  for (const c of limits) {
    it(`${c.field}: ${c.limit}; a value at the limit is accepted, one just past it refused naming the field`, () => {
      const [doc, schema] = c.kind === 'kms' ? [kmsDoc, kms] : c.kind === 'shared' ? [sharedDoc, shared] : [clusterDoc, cluster];
      expect(validateAgainstSchema(doc(c.at), schema)).to.deep.equal([]);
      const errors = validateAgainstSchema(doc(c.past), schema);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(new RegExp(`^${c.field.replace(/\./g, '\\.')}: `));
    });
  }

  it('accepts the AWS region names of every partition', () => {
    for (const region of ['us-east-1', 'us-gov-west-1', 'cn-north-1', 'eu-central-2', 'ap-southeast-5', 'il-central-1', 'us-isob-east-1', 'eusc-de-east-1']) {
      expect(validateAgainstSchema(kmsDoc({ region }), kms), region).to.deep.equal([]);
    }
  });

  it('gives every integer field a maximum, and kubectl explain states it', () => {
    const unbounded: string[] = [];
    const walk = (s: JSONSchema, path: string): void => {
      if (s.type === 'integer') {
        const stated = s.maximum === Number.MAX_SAFE_INTEGER ? '2^53-1' : String(s.maximum);
        if (s.maximum === undefined || s.minimum === undefined || !s.description?.includes(stated)) unbounded.push(path);
      }
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    for (const { crd } of allCRDs) walk(specOf(crd), crd.spec.names.kind);
    expect(unbounded).to.deep.equal([]);
  });

  it('bounds every spec string (a maxLength or an enum), and kubectl explain states the length', () => {
    const unbounded: string[] = [];
    const walk = (s: JSONSchema, path: string): void => {
      if (s.type === 'string' && !s.enum && (s.maxLength === undefined || !s.description?.includes(String(s.maxLength)))) unbounded.push(path);
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    walk(specOf(ontapClusterCRD).properties!.spec!, 'OntapCluster.spec');
    walk(specOf(ontapAwsKmsCRD).properties!.spec!, 'OntapAwsKms.spec');
    walk(specOf(ontapAzureKeyVaultCRD).properties!.spec!, 'OntapAzureKeyVault.spec');
    walk(specOf(ontapGcpKmsCRD).properties!.spec!, 'OntapGcpKms.spec');
    expect(unbounded).to.deep.equal([]);
  });
});
