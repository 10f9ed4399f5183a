/**
 * `/api/security/certificates`: the certificates an external key manager references, installed
 * from PEM (`client` with its private key, `server_ca`, and the other install types), read back
 * as ONTAP shows them (common_name, ca = the issuer's common name, serial_number in upper-case
 * hex, expiry_time, key_size, hash_function) from the PEM itself, never with the private key.
 * DELETE is refused while an external key manager references the certificate.
 */
import { createPrivateKey, createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import { type JsonBody, invalidField, notFound, SimError, unexpectedArgument } from './http.js';
import { createdLocation, methodNotAllowed, resolveSvm } from './key-manager-handlers.js';
import type { SvmInput } from './key-manager-validate.js';
import { type CollectionSpec, listCollection, matchesFilter, parseCollectionQuery, project } from './query.js';
import { allowParams, type Ctx, type Reply, runWrite } from './reply.js';
import { SECURITY_ERRORS } from './security-errors.js';
import type { StoredCertificate } from './security-records.js';
import type { SimState } from './state.js';

/** CERTIFICATES_BASE is the collection path. */
export const CERTIFICATES_BASE = '/api/security/certificates';

/** SPEC: the library's gettable members (private_key is postable only). */
const SPEC: CollectionSpec = {
  basePath: CERTIFICATES_BASE,
  fields: ['uuid', 'name', 'svm', 'scope', 'type', 'common_name', 'ca', 'serial_number', 'expiry_time', 'key_size', 'hash_function', 'public_certificate', 'subject_key_identifier', 'authority_key_identifier'],
  advanced: [],
  keys: ['uuid', 'name'],
};

/** INSTALL_TYPES are the types installed from a PEM; KEYED_TYPES also need the private key. */
const INSTALL_TYPES = ['client', 'server', 'client_ca', 'server_ca', 'root_ca'] as const;
const KEYED_TYPES: readonly string[] = ['client', 'server'];

/** routeCertificates answers a request under CERTIFICATES_BASE, or undefined when no route matches. */
export async function routeCertificates(ctx: Ctx): Promise<Reply | undefined> {
  const [uuid, extra] = ctx.path.slice(CERTIFICATES_BASE.length).split('/').filter((s) => s !== '');
  if (extra !== undefined) return undefined;
  if (uuid === undefined) {
    if (ctx.method === 'GET') return list(ctx);
    if (ctx.method === 'POST') return create(ctx);
    return methodNotAllowed(ctx);
  }
  if (ctx.method === 'GET') return getOne(ctx, uuid);
  if (ctx.method === 'DELETE') return remove(ctx, uuid);
  return methodNotAllowed(ctx);
}

function view(c: StoredCertificate): Record<string, unknown> {
  return {
    uuid: c.uuid,
    name: c.name,
    ...(c.svm === undefined ? {} : { svm: { name: c.svm.name, uuid: c.svm.uuid, _links: { self: { href: `/api/svm/svms/${c.svm.uuid}` } } } }),
    scope: c.svm === undefined ? 'cluster' : 'svm',
    type: c.type,
    common_name: c.common_name,
    ca: c.ca,
    serial_number: c.serial_number,
    expiry_time: c.expiry_time,
    key_size: c.key_size,
    hash_function: c.hash_function,
    public_certificate: c.public_certificate,
    _links: { self: { href: `${CERTIFICATES_BASE}/${c.uuid}` } },
  };
}

function list(ctx: Ctx): Reply {
  const query = parseCollectionQuery(ctx.params, SPEC);
  return { status: 200, body: listCollection([...ctx.state.certificates.values()].map(view), query, ctx.params, SPEC) };
}

function getOne(ctx: Ctx, uuid: string): Reply {
  for (const key of ['max_records', 'order_by', 'return_records', 'start.uuid']) if (ctx.params.has(key)) throw unexpectedArgument(key);
  const query = parseCollectionQuery(ctx.params, SPEC);
  const c = ctx.state.certificates.get(uuid);
  if (c === undefined) throw notFound('uuid');
  const v = view(c);
  if (!query.filters.every(([f, e]) => matchesFilter(v, f, e))) throw notFound('uuid');
  return { status: 200, body: project(v, query.fields, SPEC, true) };
}

/** CertificateInput is a validated install body. */
interface CertificateInput {
  readonly svm: SvmInput | undefined;
  readonly type: StoredCertificate['type'];
  readonly public_certificate: string;
  readonly private_key?: string;
  readonly name?: string;
}

function str(k: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalidField(k, `Invalid value for field "${k}": expected a non-empty string.`);
  return v;
}

function parseCreate(body: JsonBody | undefined): CertificateInput {
  const b = body ?? {};
  let svm: SvmInput | undefined;
  for (const k of Object.keys(b)) {
    if (!['svm', 'type', 'public_certificate', 'private_key', 'name', 'scope', '_links'].includes(k)) {
      // common_name, key_size, expiry_time, hash_function create a self-signed certificate: not simulated.
      throw unexpectedArgument(k, 'ontap-sim installs certificates from PEM only.');
    }
  }
  if (b['svm'] !== undefined) {
    const o = b['svm'];
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw invalidField('svm', 'The value for field "svm" must be an object.');
    const s = o as Record<string, unknown>;
    svm = { ...(s['name'] !== undefined ? { name: str('svm.name', s['name']) } : {}), ...(s['uuid'] !== undefined ? { uuid: str('svm.uuid', s['uuid']) } : {}) };
    if (svm.name === undefined && svm.uuid === undefined) throw invalidField('svm', 'Either "svm.name" or "svm.uuid" must be given.');
  }
  const type = b['type'];
  if (type === undefined) throw invalidField('type', 'Missing value for required field "type".');
  if (typeof type !== 'string' || !(INSTALL_TYPES as readonly string[]).includes(type)) {
    throw invalidField('type', `Invalid value for field "type": expected one of ${INSTALL_TYPES.join(', ')}.`);
  }
  if (b['public_certificate'] === undefined) throw invalidField('public_certificate', 'Missing value for required field "public_certificate".');
  const keyed = KEYED_TYPES.includes(type);
  if (keyed && b['private_key'] === undefined) throw invalidField('private_key', `Missing value for required field "private_key" (type "${type}").`);
  if (!keyed && b['private_key'] !== undefined) throw unexpectedArgument('private_key', `A "${type}" certificate is installed without a private key.`);
  return {
    svm,
    type: type as StoredCertificate['type'],
    public_certificate: str('public_certificate', b['public_certificate']),
    ...(b['private_key'] !== undefined ? { private_key: str('private_key', b['private_key']) } : {}),
    ...(b['name'] !== undefined ? { name: str('name', b['name']) } : {}),
  };
}

/** commonName reads CN= from an X.509 subject or issuer as Node prints it (one attribute a line). */
function commonName(dn: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? '';
}

/** hashOf names the signature's hash as ONTAP's hash_function does (sha256 for ecdsa-with-SHA256, sha256WithRSAEncryption). */
function hashOf(x: X509Certificate): string {
  const m = /sha(1|224|256|384|512)/i.exec(x.signatureAlgorithm ?? '');
  if (m !== null) return `sha${m[1]}`;
  return /md5/i.test(x.signatureAlgorithm ?? '') ? 'md5' : 'sha256';
}

function keySize(x: X509Certificate): number {
  const d = x.publicKey.asymmetricKeyDetails;
  if (d?.modulusLength !== undefined) return d.modulusLength;
  const curve = d?.namedCurve ?? '';
  const bits = /(\d{3})/.exec(curve)?.[1];
  return bits === undefined ? 0 : Number(bits);
}

/** isoSeconds renders a date as ONTAP's expiry_time does: seconds, with an offset. */
function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

/** parsePem reads the certificate (and checks the private key matches it), or answers ONTAP's refusal. */
function parsePem(input: CertificateInput): X509Certificate {
  let x: X509Certificate;
  try {
    x = new X509Certificate(input.public_certificate);
  } catch {
    throw new SimError(400, SECURITY_ERRORS.badCertificate.code, SECURITY_ERRORS.badCertificate.message, 'public_certificate');
  }
  if (input.private_key !== undefined) {
    let matches: boolean;
    try {
      const key = createPrivateKey(input.private_key);
      matches = x.checkPrivateKey(key) && createPublicKey(key).equals(x.publicKey);
    } catch {
      matches = false;
    }
    if (!matches) throw new SimError(400, SECURITY_ERRORS.badPrivateKey.code, SECURITY_ERRORS.badPrivateKey.message, 'private_key');
  }
  return x;
}

async function create(ctx: Ctx): Promise<Reply> {
  allowParams(ctx.params, ['return_records', 'return_timeout']);
  const input = parseCreate(ctx.body);
  const x = parsePem(input);
  const returnRecords = ctx.params.get('return_records') === 'true';
  // The 202's Location names the new certificate by its SVM (or scope), type and serial number:
  // an SVM holds many certificates, and NetApp's clients hydrate from the first record found.
  const location = `${createdLocation(CERTIFICATES_BASE, input.svm)}&type=${input.type}&serial_number=${x.serialNumber.toUpperCase()}`;
  return runWrite(ctx, `POST ${CERTIFICATES_BASE}`, () => {
    const { state } = ctx;
    const svm = resolveSvm(state, input.svm);
    const cn = commonName(x.subject);
    const serial = x.serialNumber.toUpperCase();
    // "If not provided in POST, a unique name specific to the SVM is automatically generated."
    const name = input.name ?? `${cn.replace(/[^A-Za-z0-9_.-]/g, '_') || 'cert'}_${serial.slice(-16)}`;
    const sameSvm = [...state.certificates.values()].filter((c) => c.svm?.uuid === svm?.uuid);
    if (sameSvm.some((c) => c.name === name || (c.serial_number === serial && c.ca === commonName(x.issuer) && c.type === input.type))) {
      throw new SimError(400, SECURITY_ERRORS.duplicateCertificate.code, SECURITY_ERRORS.duplicateCertificate.message, 'uuid');
    }
    const record: StoredCertificate = {
      uuid: randomUUID(),
      name,
      svm: svm === undefined ? undefined : { name: svm.name, uuid: svm.uuid },
      type: input.type,
      public_certificate: input.public_certificate,
      ...(input.private_key !== undefined ? { private_key: input.private_key } : {}),
      common_name: cn,
      ca: commonName(x.issuer),
      serial_number: serial,
      expiry_time: isoSeconds(new Date(x.validTo)),
      key_size: keySize(x),
      hash_function: hashOf(x),
    };
    state.certificates.set(record.uuid, record);
    return {
      status: 201,
      headers: { location: `${CERTIFICATES_BASE}/${record.uuid}` },
      body: returnRecords ? { num_records: 1, records: [project(view(record), ['*'], SPEC, true)] } : {},
    };
  }, location);
}

/** referencedBy names the key manager that uses a certificate (client or server CA), if any. */
export function referencedBy(state: SimState, uuid: string): string | undefined {
  for (const r of state.securityKeyManagers.values()) {
    if (r.kind === 'external' && (r.clientCertificate === uuid || r.serverCaCertificates.includes(uuid))) return r.uuid;
  }
  return undefined;
}

async function remove(ctx: Ctx, uuid: string): Promise<Reply> {
  allowParams(ctx.params, ['return_timeout']);
  if (!ctx.state.certificates.has(uuid)) throw notFound('uuid');
  return runWrite(ctx, `DELETE ${CERTIFICATES_BASE}/${uuid}`, () => {
    const { state } = ctx;
    if (!state.certificates.has(uuid)) throw notFound('uuid');
    const km = referencedBy(state, uuid);
    if (km !== undefined) {
      const e = SECURITY_ERRORS.certificateInUse;
      throw new SimError(400, e.code, `${e.message} (key manager ${km})`, 'uuid');
    }
    state.certificates.delete(uuid);
    return { status: 200, body: {} };
  });
}
