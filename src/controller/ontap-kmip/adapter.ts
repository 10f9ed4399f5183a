/**
 * The KMIP adapter: OntapKmip on ONTAP's `/api/security/key-managers` (`external`), its
 * `key-servers` sub-collection and the `/api/security/certificates` it references, for the
 * key-manager engine. Pure functions: the engine reads and writes (adapter.sides).
 *
 * Certificates come from Secrets and are installed under names derived from the resource and the
 * certificate itself (`kmip-<resource hash>-client-<certificate hash>`), so a renewed certificate
 * is a new name: installed first, the key manager switched to it, and only then the old one
 * deleted. A switch ONTAP refuses stops the pass before anything is deleted. Key servers are
 * added and removed by difference, by `host:port`; a server's settings are PATCHed when they
 * drift, its password when its Secret changes.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { Reason } from '../../api/v1alpha1/constants.js';
import type { AppliedSecret, InstalledCertificate, KeyServerStatus, OntapKmip, OntapKmipSpec, OntapKmipStatus } from '../../api/v1alpha1/types.js';
import { KMIP } from '../../ontap/families.js';
import { OntapCode } from '../../ontap/errors.js';
import { CERTIFICATES_PATH, type CertificateRecord, keyServersPath, type KeyServerRecord, type KmipRecord, parseCertificate, parseKeyServer } from '../../ontap/wire-kmip.js';
import type { ConditionInput } from '../conditions.js';
import { ReconcileError } from '../errors.js';
import type { KeyManagerAdapter, KeyManagerDelta, SecretRef, SidePlan, SideRead, SideReads, SideWrite } from '../key-manager/adapter.js';
import { markSent, sentState, type SentSecret } from '../key-manager/applied.js';
import { keyManagerStatus, type Outcome } from '../key-manager/status.js';
import { OntapKmipType } from '../resources.js';
import { certificates, cloudCredentials, mustGet, PEM_CERTIFICATE, PEM_VALUE_MAX_BYTES, readKey, type SecretReader } from '../secrets.js';

/** MAX_PRIMARY_SERVERS is ONTAP's limit on primary key servers (65536038 beyond it). */
export const MAX_PRIMARY_SERVERS = 4;

/** A certificate read from a Secret: its PEM, where it came from, and the name it gets on ONTAP. */
export interface SecretCertificate {
  readonly name: string;
  readonly pem: string;
  readonly expiry: string;
  /** serial (upper-case hex) and issuer (its common name) are how ONTAP tells one certificate from another on an SVM. */
  readonly serial: string;
  readonly issuer: string;
}

/** issuerName is a distinguished name's common name, as ONTAP's `ca` shows it. */
const issuerName = (dn: string): string => /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? '';
const identity = (c: X509Certificate): { serial: string; issuer: string } => ({ serial: c.serialNumber.toUpperCase(), issuer: issuerName(c.issuer) });

/** KmipSecrets are the certificates and passwords as read. The private key and passwords are never logged. */
export interface KmipSecrets {
  readonly client: SecretCertificate & { readonly privateKey: string; readonly secret: SentSecret };
  readonly cas: readonly SecretCertificate[];
  readonly caSecret: SentSecret;
  /** passwords by server (`host:port`). */
  readonly passwords: ReadonlyMap<string, SentSecret & { readonly value: string }>;
}

type Meta = { readonly namespace: string; readonly name: string };

/** KMIP_OBSERVED_FIELDS is what the collection GET names. */
export const KMIP_OBSERVED_FIELDS: readonly string[] = ['uuid', 'scope', 'svm.name', 'svm.uuid', 'external', 'status.code', 'status.message'];

/** serverKey is a server's ONTAP key: host:port. */
export function serverKey(s: { readonly host: string; readonly port: number }): string {
  return `${s.host}:${s.port}`;
}

/** certificatePrefix is the prefix of every certificate the operator installs for a resource. */
export function certificatePrefix(meta: Meta): string {
  return `kmip-${createHash('sha256').update(`${meta.namespace}/${meta.name}`).digest('hex').slice(0, 10)}`;
}

/** certificateName is a certificate's name on ONTAP: the resource's prefix, its role and its own hash. */
function certificateName(meta: Meta, role: 'client' | 'ca', pem: string): string {
  const der = new X509Certificate(pem).raw;
  return `${certificatePrefix(meta)}-${role}-${createHash('sha256').update(der).digest('hex').slice(0, 12)}`;
}


/** certificatesIn parses every PEM certificate of a Secret key, or throws SecretInvalid naming the Secret and key. */
function certificatesIn(value: string, where: string): X509Certificate[] {
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ReconcileError(Reason.SecretInvalid, `${where} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)`, 'wait');
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new ReconcileError(Reason.SecretInvalid, `${where}: certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`, 'wait');
    }
  });
}

/** readKmipSecrets reads and checks the client certificate and key, the CA certificates and each server's password. */
export async function readKmipSecrets(reader: SecretReader, namespace: string, spec: OntapKmipSpec, name: string): Promise<KmipSecrets> {
  const m: Meta = { namespace, name };
  const tls = await mustGet(reader, namespace, spec.clientCertificateSecretRef.name, certificates('spec.clientCertificateSecretRef'));
  const at = (key: string): string => `Secret ${namespace}/${tls.name} key "${key}"`;
  const leaf = certificatesIn(readKey(tls, namespace, 'tls.crt', PEM_VALUE_MAX_BYTES), at('tls.crt'))[0]!;
  const privateKey = readKey(tls, namespace, 'tls.key', PEM_VALUE_MAX_BYTES);
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    // The parser's message may quote the text: never pass it along.
    throw new ReconcileError(Reason.SecretInvalid, `${at('tls.key')} is not a PEM private key`, 'wait');
  }
  if (!leaf.checkPrivateKey(key)) throw new ReconcileError(Reason.SecretInvalid, `${at('tls.key')} is not the private key of the certificate in ${at('tls.crt')}`, 'wait');
  const caRef = spec.serverCASecretRef;
  const caSecret = await mustGet(reader, namespace, caRef.name, certificates('spec.serverCASecretRef'));
  const cas = certificatesIn(readKey(caSecret, namespace, caRef.key, PEM_VALUE_MAX_BYTES), `Secret ${namespace}/${caSecret.name} key "${caRef.key}"`);
  const passwords = new Map<string, SentSecret & { value: string }>();
  for (const s of spec.servers) {
    const ref = s.passwordSecretRef;
    if (!ref) continue;
    const secret = await mustGet(reader, namespace, ref.name, cloudCredentials(`spec.servers[${serverKey(s)}].passwordSecretRef`));
    passwords.set(serverKey(s), { name: secret.name, resourceVersion: secret.resourceVersion, keys: [ref.key], value: readKey(secret, namespace, ref.key) });
  }
  return {
    client: {
      name: certificateName(m, 'client', leaf.toString()),
      pem: leaf.toString(),
      expiry: new Date(leaf.validTo).toISOString(),
      ...identity(leaf),
      privateKey,
      secret: { name: tls.name, resourceVersion: tls.resourceVersion, keys: ['tls.crt', 'tls.key'] },
    },
    cas: cas.map((c) => ({ name: certificateName(m, 'ca', c.toString()), pem: c.toString(), expiry: new Date(c.validTo).toISOString(), ...identity(c) })),
    caSecret: { name: caSecret.name, resourceVersion: caSecret.resourceVersion, keys: [caRef.key] },
    passwords,
  };
}

function secretRefs(spec: OntapKmipSpec): SecretRef[] {
  return [
    { name: spec.clientCertificateSecretRef.name, keys: ['tls.crt', 'tls.key'] },
    { name: spec.serverCASecretRef.name, keys: [spec.serverCASecretRef.key] },
    ...spec.servers.flatMap((s) => (s.passwordSecretRef ? [{ name: s.passwordSecretRef.name, keys: [s.passwordSecretRef.key] }] : [])),
  ];
}

/** svmBody is the `svm` member of a write on an SVM; nothing on the cluster scope. */
const svmBody = (spec: OntapKmipSpec): { svm?: { name: string } } => (spec.svm ? { svm: { name: spec.svm.name } } : {});

/** kmipReads are the client and server CA certificates of its SVM and, once the record exists, its key servers. */
export function kmipReads(spec: OntapKmipSpec, recordUuid: string | undefined, _meta: Meta): SideRead[] {
  const where: Record<string, string> = spec.svm ? { 'svm.name': spec.svm.name } : { scope: 'cluster' };
  return [
    // Every client and server CA certificate of the SVM: one already installed (by hand, before an
    // adoption) is used as it is, for ONTAP refuses the same certificate twice.
    { key: 'certificates', path: CERTIFICATES_PATH, query: { ...where, type: 'client|server_ca', fields: 'uuid,name,type,expiry_time,serial_number,ca' } },
    ...(recordUuid === undefined ? [] : [{ key: 'keyServers', path: keyServersPath(recordUuid), query: { fields: 'server,timeout,username,secondary_key_servers,connectivity' } }]),
  ];
}

const parsedCertificates = (side: SideReads): CertificateRecord[] => (side['certificates'] ?? []).map((c, i) => parseCertificate(c, `certificates[${i}]`));
const parsedServers = (side: SideReads): KeyServerRecord[] => (side['keyServers'] ?? []).map((s, i) => parseKeyServer(s, `keyServers[${i}]`));

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/** ours are the certificates this resource installed: their names carry its prefix. */
function ours(installed: readonly CertificateRecord[], meta: Meta): CertificateRecord[] {
  const prefix = `${certificatePrefix(meta)}-`;
  return installed.filter((c) => c.name?.startsWith(prefix) === true);
}

/** Wanted is a certificate the key manager must reference: the name it has (or will have) on ONTAP. */
interface Wanted {
  readonly role: 'client' | 'server_ca';
  readonly cert: SecretCertificate;
  readonly privateKey?: string;
  readonly sent: SentSecret;
  readonly name: string;
  /** installed is the certificate already on the SVM (ours by name, or the same certificate by serial and issuer). */
  readonly installed: CertificateRecord | undefined;
}

/** wantedCertificates are the client certificate, then the CA certificates, each matched to one installed. */
function wantedCertificates(secrets: KmipSecrets, installed: readonly CertificateRecord[]): Wanted[] {
  const match = (role: 'client' | 'server_ca', c: SecretCertificate): CertificateRecord | undefined =>
    installed.find((x) => x.name === c.name) ?? installed.find((x) => x.type === role && x.serial_number === c.serial && x.ca === c.issuer);
  const one = (role: 'client' | 'server_ca', cert: SecretCertificate, sent: SentSecret, privateKey?: string): Wanted => {
    const found = match(role, cert);
    return { role, cert, sent, ...(privateKey ? { privateKey } : {}), name: found?.name ?? cert.name, installed: found };
  };
  return [one('client', secrets.client, secrets.client.secret, secrets.client.privateKey), ...secrets.cas.map((c) => one('server_ca', c, secrets.caSecret))];
}

/** createBody creates the key manager on the certificates it wants (installed just before, or found installed), with the primary servers. */
function createBody(spec: OntapKmipSpec, wanted: readonly Wanted[]): object {
  return {
    ...svmBody(spec),
    external: {
      client_certificate: { name: wanted[0]!.name },
      server_ca_certificates: wanted.slice(1).map((w) => ({ name: w.name })),
      servers: spec.servers.map((s) => ({ server: serverKey(s) })),
    },
  };
}

/** kmipPlan: certificates to install, the key manager's switch, then key servers and certificates no longer used. */
export function kmipPlan(spec: OntapKmipSpec, record: KmipRecord | undefined, secrets: KmipSecrets, side: SideReads, applied: readonly AppliedSecret[], meta: Meta): SidePlan {
  const installed = parsedCertificates(side);
  const wanted = wantedCertificates(secrets, installed);
  const before: SideWrite[] = wanted
    .filter((w) => w.installed === undefined)
    .map((w) => ({
      method: 'POST',
      path: CERTIFICATES_PATH,
      body: { ...svmBody(spec), type: w.role, name: w.cert.name, public_certificate: w.cert.pem, ...(w.privateKey ? { private_key: w.privateKey } : {}) },
      what: `installed ${w.role} certificate ${w.cert.name}`,
      sent: w.sent,
    }));
  if (!record) return { before, recordPatch: undefined, after: [], drift: [], createBody: createBody(spec, wanted) };

  const nameOf = (c: { uuid?: string; name?: string } | undefined): string | undefined => c?.name ?? installed.find((x) => x.uuid !== undefined && x.uuid === c?.uuid)?.name;
  const ext = record.external ?? {};
  const drift: string[] = [];
  const external: Record<string, unknown> = {};
  const clientName = wanted[0]!.name;
  if (nameOf(ext.client_certificate) !== clientName) {
    external['client_certificate'] = { name: clientName };
    drift.push('spec.clientCertificateSecretRef');
  }
  const caNames = wanted.slice(1).map((w) => w.name);
  if (!sameSet((ext.server_ca_certificates ?? []).map((c) => nameOf(c) ?? c.uuid ?? ''), caNames)) {
    external['server_ca_certificates'] = caNames.map((name) => ({ name }));
    drift.push('spec.serverCASecretRef');
  }

  const after: SideWrite[] = [];
  const uuid = record.uuid ?? '';
  const observed = parsedServers(side);
  const have = observed.map((s) => s.server ?? '');
  const want = spec.servers.map(serverKey);
  const add = want.filter((w) => !have.includes(w));
  const remove = have.filter((h) => !want.includes(h));
  const adds = add.map((server): SideWrite => ({ method: 'POST', path: keyServersPath(uuid), body: { server }, what: `added key server ${server}` }));
  const removes = remove.map((server): SideWrite => ({ method: 'DELETE', path: keyServersPath(uuid, server), what: `removed key server ${server}` }));
  // Make before break, unless the new servers would not fit beside the old ones (ONTAP's limit of four).
  after.push(...(have.length + add.length > MAX_PRIMARY_SERVERS ? [...removes, ...adds] : [...adds, ...removes]));
  if (add.length + remove.length > 0) drift.push('spec.servers');
  let settingsDrift = false;
  for (const s of spec.servers) {
    const key = serverKey(s);
    const o = observed.find((x) => x.server === key);
    const body: Record<string, unknown> = {};
    if (s.timeout !== undefined && o?.timeout !== s.timeout) body['timeout'] = s.timeout;
    if (s.secondaryKeyServers !== undefined && !sameList(o?.secondary_key_servers ?? [], s.secondaryKeyServers)) body['secondary_key_servers'] = s.secondaryKeyServers;
    const password = secrets.passwords.get(key);
    let sent: SentSecret | undefined;
    if (s.username !== undefined && password) {
      const due = o?.username !== s.username || sentState(applied, password.name, password.resourceVersion, password.keys) !== 'sent';
      if (due) {
        body['username'] = s.username;
        body['password'] = password.value;
        sent = { name: password.name, resourceVersion: password.resourceVersion, keys: password.keys };
      }
      if (o?.username !== s.username) settingsDrift = true;
    }
    if (body['timeout'] !== undefined || body['secondary_key_servers'] !== undefined) settingsDrift = true;
    if (Object.keys(body).length > 0) {
      after.push({ method: 'PATCH', path: keyServersPath(uuid, key), body, what: `updated key server ${key} (${Object.keys(body).filter((k) => k !== 'password').join(', ')})`, ...(sent ? { sent } : {}) });
    }
  }
  if (settingsDrift && !drift.includes('spec.servers')) drift.push('spec.servers');
  // Certificates this resource installed and no longer wants go once the key manager uses the new ones.
  const wantedNames = new Set(wanted.map((w) => w.name));
  for (const c of ours(installed, meta)) {
    if (c.name !== undefined && c.uuid !== undefined && !wantedNames.has(c.name)) {
      after.push({ method: 'DELETE', path: `${CERTIFICATES_PATH}/${encodeURIComponent(c.uuid)}`, what: `deleted ${c.type ?? ''} certificate ${c.name}, no longer used` });
    }
  }
  return { before, recordPatch: Object.keys(external).length > 0 ? { external } : undefined, after, drift };
}

/** kmipCleanup deletes, after the key manager, every certificate this resource installed. */
export function kmipCleanup(_spec: OntapKmipSpec, side: SideReads, meta: Meta): SideWrite[] {
  return ours(parsedCertificates(side), meta).flatMap((c) =>
    c.uuid === undefined ? [] : [{ method: 'DELETE' as const, path: `${CERTIFICATES_PATH}/${encodeURIComponent(c.uuid)}`, what: `deleted ${c.type ?? ''} certificate ${c.name ?? c.uuid}` }],
  );
}

/** kmipCreateBody creates the key manager on the certificates installed before it, with the primary servers. */
export function kmipCreateBody(spec: OntapKmipSpec, secrets: KmipSecrets): object {
  return createBody(spec, wantedCertificates(secrets, []));
}

/** noDelta: everything of an external key manager is planned beside it (kmipPlan). */
const noDelta: KeyManagerDelta = { fields: [], rekey: undefined, configPatch: undefined, credentialsPatch: undefined, credentials: undefined, proxyPassword: false, drift: [] };

/** keyServerStatus is what status shows of the key servers read. */
function keyServerStatus(servers: readonly KeyServerRecord[]): KeyServerStatus[] {
  return servers.map((s) => ({
    server: s.server ?? '',
    ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
    ...(s.username !== undefined && s.username !== '' ? { username: s.username } : {}),
    ...(s.secondary_key_servers !== undefined && s.secondary_key_servers.length > 0 ? { secondaryKeyServers: [...s.secondary_key_servers] } : {}),
    ...(s.connectivity?.cluster_availability !== undefined ? { available: s.connectivity.cluster_availability } : {}),
    ...(s.connectivity?.node_states ? { nodes: s.connectivity.node_states.map((n) => ({ node: n.node ?? '', state: n.state ?? '' })) } : {}),
  }));
}

/** reachableCondition is KeyServersReachable from the key servers' connectivity. */
export function reachableCondition(servers: readonly KeyServerStatus[] | undefined): ConditionInput {
  const type = 'KeyServersReachable';
  if (servers === undefined || servers.length === 0) return { type, status: 'Unknown', reason: Reason.Unknown, message: 'ONTAP has not reported the key servers\' connectivity' };
  const down = servers.filter((s) => s.available !== true);
  if (down.length === 0) return { type, status: 'True', reason: Reason.Reachable, message: `all ${servers.length} key servers reachable from every node` };
  const why = down.map((s) => {
    const nodes = (s.nodes ?? []).filter((n) => n.state !== 'available').map((n) => `${n.node} ${n.state}`);
    return `${s.server}: ${nodes.length > 0 ? nodes.join(', ') : 'not available'}`;
  });
  return { type, status: 'False', reason: Reason.NotReachable, message: why.join('; ') };
}

/** kmipStatus is the next status: the shared one, ONTAP's status, the key servers and the certificates in use. */
export function kmipStatus(obj: OntapKmip, outcome: Outcome<KmipRecord>, now: Date): OntapKmipStatus {
  const prev = obj.status;
  const side = outcome.side;
  const servers = side?.['keyServers'] !== undefined ? keyServerStatus(parsedServers(side)) : prev?.keyServers;
  const installed = side?.['certificates'] !== undefined ? parsedCertificates(side) : undefined;
  const certOf = (ref: { uuid?: string; name?: string } | undefined): InstalledCertificate | undefined => {
    if (!ref) return undefined;
    const c = installed?.find((x) => (ref.uuid !== undefined && x.uuid === ref.uuid) || (ref.name !== undefined && x.name === ref.name));
    const name = ref.name ?? c?.name ?? '';
    return { name, ...(ref.uuid ?? c?.uuid ? { uuid: ref.uuid ?? c?.uuid } : {}), ...(c?.expiry_time ? { expiryTime: new Date(c.expiry_time).toISOString() } : {}) };
  };
  const ext = outcome.record?.external;
  const status = keyManagerStatus<KmipRecord, OntapKmipStatus>(obj, outcome, now, {
    label: 'KMIP key manager',
    recordFields: (r) => ({
      ontapStatus: r.status ? { code: r.status.code ?? '', message: r.status.message ?? '' } : undefined,
    }),
    recordKeys: ['ontapStatus'],
    reachability: () => [reachableCondition(servers)],
    available: (s) => {
      const c = reachableCondition(servers);
      if (s.ontapStatus !== undefined && s.ontapStatus.code !== '0') return { ok: false, reason: Reason.Unavailable, message: `ONTAP code ${s.ontapStatus.code}: ${s.ontapStatus.message}` };
      return c.status === 'True'
        ? { ok: true, reason: Reason.Available, message: 'the external key manager is configured and every key server is reachable from every node' }
        : { ok: false, reason: Reason.Unavailable, message: `key servers not reachable: ${c.message}` };
    },
  });
  const client = ext ? certOf(ext.client_certificate) : prev?.clientCertificate;
  const cas = ext ? (ext.server_ca_certificates ?? []).map((c) => certOf(c)!).filter((c) => c !== undefined) : prev?.serverCaCertificates;
  return {
    ...status,
    ...(servers !== undefined ? { keyServers: servers } : {}),
    ...(client !== undefined ? { clientCertificate: client } : {}),
    ...(cas !== undefined ? { serverCaCertificates: cas } : {}),
  };
}

/** kmipAdapter drives OntapKmip resources. */
export const kmipAdapter: KeyManagerAdapter<OntapKmip, KmipRecord, KmipSecrets> = {
  type: OntapKmipType,
  family: KMIP,
  observedFields: KMIP_OBSERVED_FIELDS,
  label: 'external key manager',
  keyName: 'key',
  alreadyConfiguredCodes: [OntapCode.AlreadyConfigured],
  noRestore: 'the operator does not run ONTAP\'s restore of an external key manager; run `security key-manager external restore` on ONTAP',
  secretRefs,
  credentialsRef: (spec) => ({ name: spec.clientCertificateSecretRef.name, keys: ['tls.crt', 'tls.key'] }),
  // The certificates' names come from the Secrets: every pass reads them (a handful of resources, one per SVM).
  readSecrets: readKmipSecrets,
  secretsNeeded: () => true,
  createBody: kmipCreateBody,
  afterCreate: () => undefined,
  delta: () => noDelta,
  appliedAfter: (applied, s, sent) =>
    sent.credentials ? markSent(applied, [s.client.secret, s.caSecret], [s.client.secret.name, s.caSecret.name, ...[...s.passwords.values()].map((p) => p.name)]) : [...applied],
  describeSent: (s) => `installed the certificates of Secrets ${s.client.secret.name} and ${s.caSecret.name}`,
  sides: { reads: kmipReads, plan: kmipPlan, cleanup: kmipCleanup },
  gauges: [
    {
      name: 'key_server_available',
      help: "Whether each node last reached each KMIP key server of the OntapKmip (ONTAP's connectivity.node_states): 1 or 0",
      samples: (s) => ((s as OntapKmipStatus).keyServers ?? []).flatMap((k) => (k.nodes ?? []).map((n) => ({ labels: { server: k.server, node: n.node }, value: n.state === 'available' ? 1 : 0 }))),
    },
    {
      name: 'client_certificate_expiry_timestamp_seconds',
      help: 'When the KMIP client certificate the key manager uses expires, in seconds since the epoch (an expired one takes volumes offline at the next reboot)',
      samples: (s) => {
        const at = Date.parse((s as OntapKmipStatus).clientCertificate?.expiryTime ?? '');
        return Number.isNaN(at) ? [] : [{ labels: {}, value: at / 1000 }];
      },
    },
  ],
  status: kmipStatus,
};
