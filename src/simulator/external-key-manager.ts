/**
 * External (KMIP) key managers as `/api/security/key-managers` serves them: the `external`
 * member of POST (client certificate, server CA certificates, primary key servers) and PATCH
 * (certificates only, each replaced whole), the certificates looked up on the key manager's own
 * SVM (or the cluster) with the right type, and the `external` view with its embedded servers.
 */
import { invalidField, SimError, unexpectedArgument } from './http.js';
import type { StoredKeyManager } from './key-manager-family.js';
import { SECURITY_ERRORS } from './security-errors.js';
import type { CertificateType, StoredCertificate, StoredExternal, StoredKeyServer } from './security-records.js';
import type { SimState } from './state.js';

/** CertificateRef names a certificate by uuid or by name, as the library's external fields allow. */
export interface CertificateRef {
  readonly uuid?: string;
  readonly name?: string;
}

/** ExternalCreate is a validated `external` member of a POST. */
export interface ExternalCreate {
  readonly client_certificate: CertificateRef;
  readonly server_ca_certificates: readonly CertificateRef[];
  readonly servers: readonly string[];
  readonly policy?: string;
}

/** ExternalPatch is a validated `external` member of a PATCH: either certificate, or both. */
export interface ExternalPatch {
  readonly client_certificate?: CertificateRef;
  readonly server_ca_certificates?: readonly CertificateRef[];
}

/** MAX_PRIMARY_SERVERS: "the keys are stored on up to four primary key servers" (the library's overview). */
export const MAX_PRIMARY_SERVERS = 4;

/** DEFAULT_KMIP_PORT: "If no port is provided, a default port of 5696 is used." */
export const DEFAULT_KMIP_PORT = 5696;

/** EXTERNAL_STATUS_DOWN: chosen code (ONTAP's was not found) for a key server not responding on some node. */
const EXTERNAL_STATUS_DOWN = 65537209;

/** normalizeServer checks `host[:port]` and fills in the default port; `target` names the field for errors. */
export function normalizeServer(v: unknown, target: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalidField(target, `Invalid value for field "${target}": expected "host:port".`);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d+))?$/.exec(v.trim());
  if (m === null) throw invalidField(target, `Invalid value for field "${target}": "${v}" is not "host:port".`);
  const port = m[2] === undefined ? DEFAULT_KMIP_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidField(target, `Invalid value for field "${target}": the port must be 1..65535.`);
  return `${m[1]}:${port}`;
}

/** checkServerList refuses more than four primary servers (65536038) and a server given twice. */
export function checkServerList(servers: readonly string[]): void {
  if (servers.length > MAX_PRIMARY_SERVERS) throw new SimError(400, SECURITY_ERRORS.tooManyServers.code, SECURITY_ERRORS.tooManyServers.message);
  const seen = new Set<string>();
  for (const s of servers) {
    if (seen.has(s)) throw new SimError(400, SECURITY_ERRORS.duplicateServer.code, `${SECURITY_ERRORS.duplicateServer.message} "${s}".`);
    seen.add(s);
  }
}

function parseRef(v: unknown, target: string): CertificateRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField(target, `The value for field "${target}" must be an object with "uuid" or "name".`);
  const out: { uuid?: string; name?: string } = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === '_links') continue;
    if (k !== 'uuid' && k !== 'name') throw unexpectedArgument(`${target}.${k}`);
    if (typeof x !== 'string' || x === '') throw invalidField(`${target}.${k}`, `The value for field "${target}.${k}" must be a non-empty string.`);
    out[k] = x;
  }
  if (out.uuid === undefined && out.name === undefined) throw invalidField(target, `Either "${target}.uuid" or "${target}.name" must be given.`);
  return out;
}

function parseRefs(v: unknown, target: string): CertificateRef[] {
  if (!Array.isArray(v) || v.length === 0) throw invalidField(target, `The value for field "${target}" must be a non-empty array.`);
  return v.map((x) => parseRef(x, target));
}

function parseServers(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw invalidField('external.servers', 'The value for field "external.servers" must be a non-empty array.');
  const servers = v.map((x, i) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw invalidField(`external.servers`, `external.servers[${i}] must be an object with "server".`);
    for (const k of Object.keys(x as Record<string, unknown>)) {
      // The library's KeyServerReadcreate: only `server` is postable; the rest is set through the key-servers endpoint.
      if (k !== 'server' && k !== '_links') throw unexpectedArgument(`external.servers.${k}`, 'Set it with PATCH /security/key-managers/{uuid}/key-servers/{server}.');
    }
    return normalizeServer((x as Record<string, unknown>)['server'], 'external.servers.server');
  });
  checkServerList(servers);
  return servers;
}

/** parseExternalCreate checks the `external` member of a POST: both certificates and at least one server are required. */
export function parseExternalCreate(v: unknown): ExternalCreate {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField('external', 'The value for field "external" must be an object.');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['client_certificate', 'server_ca_certificates', 'servers', '_links'].includes(k)) throw unexpectedArgument(`external.${k}`);
  }
  for (const req of ['client_certificate', 'server_ca_certificates', 'servers']) {
    if (o[req] === undefined) throw invalidField(`external.${req}`, `Missing value for required field "external.${req}".`);
  }
  return {
    client_certificate: parseRef(o['client_certificate'], 'external.client_certificate'),
    server_ca_certificates: parseRefs(o['server_ca_certificates'], 'external.server_ca_certificates'),
    servers: parseServers(o['servers']),
  };
}

/** parseExternalPatch checks the `external` member of a PATCH: the certificates only ("external.servers" is create-only). */
export function parseExternalPatch(v: unknown): ExternalPatch {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField('external', 'The value for field "external" must be an object.');
  const out: { client_certificate?: CertificateRef; server_ca_certificates?: CertificateRef[] } = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === '_links') continue;
    if (k === 'servers') throw unexpectedArgument('external.servers', 'This field can be set only on create; use the key-servers endpoint.');
    if (k === 'client_certificate') out.client_certificate = parseRef(x, 'external.client_certificate');
    else if (k === 'server_ca_certificates') out.server_ca_certificates = parseRefs(x, 'external.server_ca_certificates');
    else throw unexpectedArgument(`external.${k}`);
  }
  if (out.client_certificate === undefined && out.server_ca_certificates === undefined) {
    throw invalidField('external', 'Either "external.client_certificate" or "external.server_ca_certificates" must be given.');
  }
  return out;
}

/** resolveCertificate finds a certificate of `type` on the key manager's SVM (or the cluster), or answers "not installed". */
function resolveCertificate(state: SimState, owner: StoredKeyManager, ref: CertificateRef, type: CertificateType, target: string): StoredCertificate {
  const c = [...state.certificates.values()].find(
    (x) => (ref.uuid === undefined || x.uuid === ref.uuid) && (ref.name === undefined || x.name === ref.name) && x.svm?.uuid === owner.svm?.uuid && x.type === type,
  );
  if (c === undefined) {
    const e = SECURITY_ERRORS.certificateNotInstalled;
    const where = owner.svm === undefined ? 'the cluster' : `SVM "${owner.svm.name}"`;
    throw new SimError(400, e.code, `${e.message} No ${type} certificate "${ref.uuid ?? ref.name ?? ''}" on ${where}.`, target);
  }
  return c;
}

/** newKeyServer is a primary key server as ONTAP configures it before any key-servers PATCH. */
export function newKeyServer(server: string): StoredKeyServer {
  return { server, timeout: 25, create_remove_timeout: 10, username: '', secondary_key_servers: [] };
}

/** buildExternal makes the record of a POST, the certificates resolved on the record's own SVM. */
export function buildExternal(state: SimState, identity: StoredKeyManager, input: ExternalCreate): StoredExternal {
  const client = resolveCertificate(state, identity, input.client_certificate, 'client', 'external.client_certificate');
  const cas = input.server_ca_certificates.map((r) => resolveCertificate(state, identity, r, 'server_ca', 'external.server_ca_certificates').uuid);
  return {
    ...identity,
    kind: 'external',
    clientCertificate: client.uuid,
    serverCaCertificates: [...new Set(cas)],
    servers: input.servers.map(newKeyServer),
    ...(input.policy === undefined ? {} : { policy: input.policy }),
  };
}

/**
 * applyExternalPatch replaces the client certificate and/or the whole server CA list. With
 * `validate` (validate_certificates=true) it first tests the connection to every server: one
 * that answers no node fails the write.
 */
export function applyExternalPatch(state: SimState, r: StoredExternal, p: ExternalPatch, validate = false): void {
  const client = p.client_certificate === undefined ? undefined : resolveCertificate(state, r, p.client_certificate, 'client', 'external.client_certificate');
  const cas = p.server_ca_certificates?.map((x) => resolveCertificate(state, r, x, 'server_ca', 'external.server_ca_certificates').uuid);
  const unreachable = validate ? r.servers.find((s) => state.nodes.length > 0 && nodesNotReaching(state, s.server).length === state.nodes.length) : undefined;
  if (unreachable !== undefined) {
    const e = SECURITY_ERRORS.validationFailed;
    throw new SimError(400, e.code, `${e.message} "${unreachable.server}".`);
  }
  if (client !== undefined) r.clientCertificate = client.uuid;
  if (cas !== undefined) r.serverCaCertificates = [...new Set(cas)];
}

function certRef(state: SimState, uuid: string): Record<string, unknown> {
  const c = state.certificates.get(uuid);
  return { uuid, ...(c === undefined ? {} : { name: c.name }), _links: { self: { href: `/api/security/certificates/${uuid}` } } };
}

/** keyServerHref is the path of one key server: `host:port` URL-encoded, as ONTAP's links write it. */
export function keyServerHref(kmUuid: string, server: string): string {
  return `/api/security/key-managers/${kmUuid}/key-servers/${encodeURIComponent(server)}`;
}

/** externalView is the `external` member of a GET: servers embedded, secondary_key_servers as one comma-separated string. */
export function externalView(state: SimState, r: StoredExternal): Record<string, unknown> {
  return {
    client_certificate: certRef(state, r.clientCertificate),
    server_ca_certificates: r.serverCaCertificates.map((u) => certRef(state, u)),
    servers: r.servers.map((s) => ({
      server: s.server,
      timeout: s.timeout,
      username: s.username,
      // Joined with ", " as the library's GET example shows it ("1.1.1.1, secondarykeyserver.com").
      ...(s.secondary_key_servers.length === 0 ? {} : { secondary_key_servers: s.secondary_key_servers.join(', ') }),
      _links: { self: { href: keyServerHref(r.uuid, s.server) } },
    })),
  };
}

/** nodesNotReaching lists, for a key server, the nodes on which it is not responding. */
export function nodesNotReaching(state: SimState, server: string): string[] {
  const down = state.keyServerDown.get(server);
  return state.nodes.filter((n) => down?.has(n.name) === true).map((n) => n.name);
}

/** externalStatus is `status`: 0 while every server answers every node, else which server does not answer where. */
export function externalStatus(state: SimState, r: StoredExternal): { code: number; message: string } {
  const problems = r.servers.flatMap((s) => {
    const nodes = nodesNotReaching(state, s.server);
    return nodes.length === 0 ? [] : [`${s.server} on ${nodes.join(', ')}`];
  });
  if (problems.length === 0) return { code: 0, message: 'No action needed at this time.' };
  return { code: EXTERNAL_STATUS_DOWN, message: `Key servers not responding: ${problems.join('; ')}.` };
}
