/**
 * Log redaction (issue 18, item 6): no secret value reaches a log line, whichever write-only
 * field carries it, however deep, in arrays and in request bodies as a caller might log them.
 */
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as parse from '../../../src/api/v1alpha1/parse.js';
import type { KeyManagerAdapter, KeyManagerObject } from '../../../src/controller/key-manager/adapter.js';
import { KEY_MANAGER_FAMILIES } from '../../../src/ontap/families.js';
import type { KeyManagerRecord } from '../../../src/ontap/key-manager-family.js';
import { isRecord, type SecretData } from '../../../src/runtime/kube-types.js';
import { createLogger, isSensitiveKey, type LogFields } from '../../../src/runtime/logger.js';
import { loadExamples } from '../../support/examples.js';

/** logged writes one debug line with `fields` through a JSON and a text logger and returns both. */
function logged(fields: LogFields): string {
  const lines: string[] = [];
  for (const format of ['json', 'text'] as const) {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', format, stream });
    logger.debug('ontap request', fields);
    logger.child({ reconcileID: 'r1' }).info('child', fields);
  }
  expect(lines.join('')).to.contain('ontap request');
  return lines.join('');
}

/**
 * SECRET_FIELDS are the names that carry secrets: ONTAP's write-only fields of every family
 * (docs/ontap-rest.md: secret_access_key, proxy_password; client_secret, client_certificate;
 * application_credentials), of the KMIP and Onboard endpoints to come (key-servers `password`,
 * onboard `passphrase` / `existing_passphrase`, key-manager-configs `passphrase`, a client
 * certificate's `private_key`), and the Kubernetes ones (`tls.key`, a bearer token).
 */
const SECRET_FIELDS = [
  'secret_access_key',
  'proxy_password',
  'client_secret',
  'client_certificate',
  'application_credentials',
  'password',
  'passphrase',
  'existing_passphrase',
  'new_passphrase',
  'private_key',
  'tls.key',
  'token',
  'authorization',
];

describe('logger redaction', () => {
  for (const field of SECRET_FIELDS) {
    it(`never logs the value of ${field}: top level, nested, in arrays and in request bodies`, () => {
      const v = (where: string) => `SECRET-${field}-${where}`;
      const out = logged({
        [field]: v('top'),
        body: { svm: { name: 'svm1' }, [field]: v('body') },
        request: { method: 'POST', path: '/api/security/x', body: { onboard: { [field]: v('deep') } } },
        records: [{ uuid: 'u1', [field]: v('array') }, [{ [field]: v('nested-array') }]],
        // camelCase and kebab-case spellings of the same name, as a spec or an options bag has them.
        camel: { [field.replace(/_(.)/g, (_m, c: string) => c.toUpperCase())]: v('camel') },
        kebab: { [field.replace(/_/g, '-')]: v('kebab') },
        upper: { [field.toUpperCase()]: v('upper') },
      });
      expect(out).to.not.contain(`SECRET-${field}`);
      expect(out).to.contain('[REDACTED]');
      // What is not secret stays.
      expect(out).to.contain('svm1').and.to.contain('/api/security/x');
    });
  }

  it('drops what lies deeper than the walk goes rather than log it unredacted', () => {
    let deep: Record<string, unknown> = { client_secret: 'SECRET-too-deep', note: 'NOT-SECRET-too-deep' };
    for (let i = 0; i < 30; i++) deep = { level: deep };
    const out = logged({ deep });
    expect(out).to.not.contain('SECRET-too-deep');
  });

  it('keeps the names of the fields a body carried (the ONTAP client logs bodyFields) and values that are not secret', () => {
    const out = logged({ bodyFields: ['client_secret', 'key_id'], key_id: 'key-1', keySecretRef: { name: 's', key: 'client_secret' } });
    expect(out).to.contain('client_secret').and.to.contain('key-1').and.to.contain('"name":"s"');
  });
});

/** AnyAdapter is the part of a KeyManagerAdapter this test drives, whatever its kind. */
type AnyAdapter = KeyManagerAdapter<KeyManagerObject, KeyManagerRecord, unknown>;

/** discoverAdapters imports every src/controller/ontap-*\/adapter.ts and returns what they export that is an adapter: a new kind is found without a list to update. */
async function discoverAdapters(): Promise<AnyAdapter[]> {
  const dir = fileURLToPath(new URL('../../../src/controller/', import.meta.url));
  const found: AnyAdapter[] = [];
  for (const d of readdirSync(dir).filter((n) => n.startsWith('ontap-')).sort()) {
    if (!existsSync(join(dir, d, 'adapter.ts'))) continue;
    const mod = (await import(pathToFileURL(join(dir, d, 'adapter.js')).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) if (isRecord(v) && isRecord(v.family) && typeof v.createBody === 'function') found.push(v as unknown as AnyAdapter);
  }
  return found;
}

/** leaves lists every string in a body with the name of the field holding it. */
function leaves(v: unknown, key = ''): Array<{ key: string; value: string }> {
  if (typeof v === 'string') return [{ key, value: v }];
  if (Array.isArray(v)) return v.flatMap((x) => leaves(x, key));
  if (isRecord(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, k));
  return [];
}

/** secretData turns an example Secret into what the operator's SecretReader returns. */
function secretData(doc: Record<string, unknown>): SecretData {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((doc.stringData ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((doc.data ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v, 'base64'));
  return { name: (doc.metadata as { name: string }).name, resourceVersion: '1', type: 'Opaque', data };
}

describe('logger redaction covers every key-manager family (a new kind cannot forget its secrets)', () => {
  it('finds the adapters of every kind, and each one\'s family is one the logger derives its redaction from', async () => {
    const adapters = await discoverAdapters();
    expect(adapters.map((a) => a.type.kind)).to.include.members(['OntapAwsKms', 'OntapAzureKeyVault', 'OntapGcpKms']);
    // By path and noun (two families share /api/security/key-managers): mocha loads this file as
    // CommonJS and the dynamic import as ES modules, so a family is two objects.
    for (const a of adapters) {
      const registered = KEY_MANAGER_FAMILIES.find((f) => f.path === a.family.path && f.noun === a.family.noun);
      expect(registered, `${a.type.kind}'s family ${a.family.noun} is not in KEY_MANAGER_FAMILIES`).to.not.equal(undefined);
      expect(registered?.writeOnly).to.deep.equal(a.family.writeOnly);
    }
  });

  for (const family of KEY_MANAGER_FAMILIES) {
    it(`${family.noun}: every write-only field is redacted, and the record parser never keeps one`, () => {
      for (const field of family.writeOnly) {
        expect(isSensitiveKey(field), `${family.noun}.${field} is write-only but not redacted`).to.equal(true);
        const record = family.parse({ uuid: 'u1', svm: { name: 'svm1', uuid: 's1' }, scope: 'svm', [field]: 'x' }) as Record<string, unknown>;
        expect(record, `${family.noun}'s parser keeps write-only ${field}`).to.not.have.property(field);
      }
    });
  }

  it('every Secret value a kind\'s create body sends (from the examples) is under a write-only field its family declares, or one ONTAP shows', async () => {
    const examples = loadExamples();
    const parsers = parse as unknown as Record<string, (v: unknown) => KeyManagerObject>;
    let checked = 0;
    for (const adapter of await discoverAdapters()) {
      const parseKind = parsers[`parse${adapter.type.kind}`];
      expect(parseKind, `no parse${adapter.type.kind}`).to.be.a('function');
      for (const ex of examples.filter((e) => e.kind === adapter.type.kind)) {
        const obj = parseKind!(ex.doc);
        const secrets = new Map(examples.filter((e) => e.file === ex.file && e.kind === 'Secret').map((e) => [e.name, secretData(e.doc)]));
        const reader = { getSecret: (_ns: string, name: string) => Promise.resolve(secrets.get(name)) };
        const read = await adapter.readSecrets(reader, obj.metadata.namespace ?? 'default', obj.spec, obj.metadata.name);
        // A kind that installs what its record references first (KMIP: certificates) sends Secrets there too.
        const beside = adapter.sides?.plan(obj.spec, undefined, read, {}, [], { namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name }).before ?? [];
        const body = [adapter.createBody(obj.spec, read), ...beside.map((w) => w.body)];
        const values = adapter.secretRefs(obj.spec).flatMap((r) => r.keys.map((k) => secrets.get(r.name)?.data.get(k)?.toString('utf8') ?? ''));
        const carriers = leaves(body).filter((l) => values.some((s) => s !== '' && l.value.includes(s)));
        expect(carriers, `${ex.file}: the create body sends none of the Secrets' values`).to.not.be.empty;
        for (const c of carriers) {
          // ONTAP's certificates GET returns public_certificate: a certificate is public, its key is not.
          const shown = adapter.observedFields.includes(c.key) || (beside.length > 0 && c.key === 'public_certificate');
          expect(adapter.family.writeOnly.includes(c.key) || shown, `${ex.file}: ${adapter.family.noun} sends a Secret's value in "${c.key}", which is neither declared write-only nor shown by ONTAP`).to.equal(true);
          if (!shown) expect(isSensitiveKey(c.key), `${c.key} is not redacted`).to.equal(true);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(3);
  });
});
