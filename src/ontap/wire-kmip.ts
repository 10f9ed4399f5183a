/**
 * Wire types of ONTAP's external (KMIP) key managers: the `/api/security/key-managers` record
 * with `external`, its `/key-servers` sub-collection and the `/api/security/certificates` it
 * references, as GET returns them, and their parsers. Fields follow ONTAP's reference
 * (netapp_ontap resources/security_key_manager.py, key_server.py, security_certificate.py):
 * a key server's `connectivity` is advanced (only when named in `fields`); in the key manager's
 * own GET a server's `secondary_key_servers` is a comma-separated string, in the sub-collection a list.
 */
import { asArray, asObject, type JsonObject, type Mutable, optBoolean, optNumber, optObject, optString, put } from '../json/read.js';
import { type KeyManagerIdentity, type KeyManagerStatus, readIdentity } from './wire-key-manager.js';
import { type OntapKeyManagerStatus, parseOntapStatus } from './wire-onboard.js';

/** CertificateRef is a certificate as a key manager references it. */
export interface CertificateRef {
  readonly uuid?: string;
  readonly name?: string;
}

/** EmbeddedServer is one server in the key manager's own GET. */
export interface EmbeddedServer {
  readonly server?: string;
  readonly timeout?: number;
  readonly username?: string;
}

/** KmipRecord is one key-managers record with `external`, as GET returns it. */
export interface KmipRecord extends KeyManagerIdentity, KeyManagerStatus {
  readonly external?: {
    readonly client_certificate?: CertificateRef;
    readonly server_ca_certificates?: readonly CertificateRef[];
    readonly servers?: readonly EmbeddedServer[];
  };
  readonly status?: OntapKeyManagerStatus;
}

function certRef(o: JsonObject, path: string): CertificateRef {
  const r: Mutable<CertificateRef> = {};
  put(r, 'uuid', optString(o, 'uuid', path));
  put(r, 'name', optString(o, 'name', path));
  return r;
}

/** parseKmipRecord validates one key-managers record, keeping its external members. */
export function parseKmipRecord(v: unknown, path = 'record'): KmipRecord {
  const o = asObject(v, path);
  const r: Mutable<KmipRecord> = {};
  readIdentity(o, path, r);
  put(r, 'external', optObject(o, 'external', path, (e, p) => {
    const ext: { client_certificate?: CertificateRef; server_ca_certificates?: CertificateRef[]; servers?: EmbeddedServer[] } = {};
    put(ext, 'client_certificate', optObject(e, 'client_certificate', p, certRef));
    const cas = e['server_ca_certificates'];
    if (cas !== undefined && cas !== null) ext.server_ca_certificates = asArray(cas, `${p}.server_ca_certificates`).map((c, i) => certRef(asObject(c, `${p}.server_ca_certificates[${i}]`), `${p}.server_ca_certificates[${i}]`));
    const servers = e['servers'];
    if (servers !== undefined && servers !== null) {
      ext.servers = asArray(servers, `${p}.servers`).map((s, i) => {
        const sp = `${p}.servers[${i}]`;
        const so = asObject(s, sp);
        const out: Mutable<EmbeddedServer> = {};
        put(out, 'server', optString(so, 'server', sp));
        put(out, 'timeout', optNumber(so, 'timeout', sp));
        put(out, 'username', optString(so, 'username', sp));
        return out;
      });
    }
    return ext;
  }));
  put(r, 'status', optObject(o, 'status', path, parseOntapStatus));
  return r;
}

/** KeyServerRecord is one key server of the sub-collection. */
export interface KeyServerRecord {
  readonly server?: string;
  readonly timeout?: number;
  readonly username?: string;
  readonly secondary_key_servers?: readonly string[];
  readonly connectivity?: {
    readonly cluster_availability?: boolean;
    readonly node_states?: ReadonlyArray<{ readonly node?: string; readonly state?: string }>;
  };
}

/** parseKeyServer validates one key server as the sub-collection returns it. */
export function parseKeyServer(v: unknown, path = 'record'): KeyServerRecord {
  const o = asObject(v, path);
  const r: Mutable<KeyServerRecord> = {};
  put(r, 'server', optString(o, 'server', path));
  put(r, 'timeout', optNumber(o, 'timeout', path));
  put(r, 'username', optString(o, 'username', path));
  const sec = o['secondary_key_servers'];
  if (typeof sec === 'string') r.secondary_key_servers = sec.split(',').map((x) => x.trim()).filter((x) => x !== '');
  else if (sec !== undefined && sec !== null) r.secondary_key_servers = asArray(sec, `${path}.secondary_key_servers`).map((x) => String(x));
  put(r, 'connectivity', optObject(o, 'connectivity', path, (c, p) => {
    const states = c['node_states'];
    return {
      ...(optBoolean(c, 'cluster_availability', p) !== undefined ? { cluster_availability: optBoolean(c, 'cluster_availability', p) } : {}),
      ...(states !== undefined && states !== null
        ? {
            node_states: asArray(states, `${p}.node_states`).map((n, i) => {
              const np = `${p}.node_states[${i}]`;
              const no = asObject(n, np);
              const node = no['node'];
              return { node: typeof node === 'object' && node !== null ? optString(node as JsonObject, 'name', `${np}.node`) : undefined, state: optString(no, 'state', np) };
            }),
          }
        : {}),
    };
  }));
  return r;
}

/** CertificateRecord is one installed certificate (never its private key: ONTAP does not return it). */
export interface CertificateRecord {
  readonly uuid?: string;
  readonly name?: string;
  readonly type?: string;
  readonly expiry_time?: string;
  /** serial_number (upper-case hex) and ca (the issuer's common name) identify a certificate on its SVM. */
  readonly serial_number?: string;
  readonly ca?: string;
}

/** parseCertificate validates one certificate record. */
export function parseCertificate(v: unknown, path = 'record'): CertificateRecord {
  const o = asObject(v, path);
  const r: Mutable<CertificateRecord> = {};
  put(r, 'uuid', optString(o, 'uuid', path));
  put(r, 'name', optString(o, 'name', path));
  put(r, 'type', optString(o, 'type', path));
  put(r, 'expiry_time', optString(o, 'expiry_time', path));
  put(r, 'serial_number', optString(o, 'serial_number', path));
  put(r, 'ca', optString(o, 'ca', path));
  return r;
}

/** CERTIFICATES_PATH is the certificates collection. */
export const CERTIFICATES_PATH = '/api/security/certificates';

/** keyServersPath is a key manager's key-servers sub-collection; `server` (host:port) is URL-encoded. */
export function keyServersPath(uuid: string, server?: string): string {
  const base = `/api/security/key-managers/${encodeURIComponent(uuid)}/key-servers`;
  return server === undefined ? base : `${base}/${encodeURIComponent(server)}`;
}
