/**
 * Parsing of OntapCluster, ClusterOntapCluster and the key-manager kinds' objects from the API server's JSON into typed values,
 * once, at the edge. The API server has already validated them against the CRD schema, so a
 * failure here means a schema/type mismatch or an object from an older schema: the error names
 * the field.
 */
import { asObject, isObject, join, type JsonObject, optBoolean, optNumber, optString, ParseError, reqNumber, reqString } from '../../json/read.js';
import { Defaults } from './constants.js';
import { parseDuration } from './duration.js';
import { WEEKDAYS } from './schema-key-manager.js';
import type {
  ClusterOntapCluster,
  Condition,
  KeyManagerSpec,
  KeyManagerStatus,
  PendingWrite,
  RestoreResult,
  KeyRotationSpec,
  KeyRotationStatus,
  Weekday,
  LabelSelector,
  TenancyPolicy,
  ObjectMeta,
  OntapAwsKms,
  OntapAwsKmsSpec,
  OntapAwsKmsStatus,
  OntapAzureKeyVault,
  OntapAzureKeyVaultSpec,
  OntapAzureKeyVaultStatus,
  OntapCluster,
  OntapClusterSpec,
  OntapClusterStatus,
  OntapGcpKms,
  OntapGcpKmsSpec,
  OntapGcpKmsStatus,
  OntapKmip,
  OntapKmipSpec,
  OntapKmipStatus,
  OntapOnboardKeyManager,
  OntapOnboardKeyManagerSpec,
  OntapOnboardKeyManagerStatus,
  ProxySpec,
  Reachability,
  SecretKeySelector,
} from './types.js';

/** Reader reads typed fields out of one JSON object, naming the path in any error. */
class Reader {
  constructor(private readonly value: JsonObject, private readonly path: string) {}

  static of(value: unknown, path: string): Reader {
    return new Reader(asObject(value, path), path);
  }

  private at(key: string): string {
    return join(this.path, key);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  str(key: string): string {
    return reqString(this.value, key, this.path);
  }

  optStr(key: string): string | undefined {
    return optString(this.value, key, this.path);
  }

  num(key: string): number {
    return reqNumber(this.value, key, this.path);
  }

  optNum(key: string): number | undefined {
    return optNumber(this.value, key, this.path);
  }

  optBool(key: string): boolean | undefined {
    return optBoolean(this.value, key, this.path);
  }

  obj(key: string): Reader {
    return Reader.of(this.value[key], this.at(key));
  }

  optObj(key: string): Reader | undefined {
    return this.has(key) ? this.obj(key) : undefined;
  }

  list(key: string): Reader[] {
    if (!this.has(key)) return [];
    const v = this.value[key];
    if (!Array.isArray(v)) throw new ParseError(this.at(key), 'a list');
    return v.map((item, i) => Reader.of(item, `${this.at(key)}[${i}]`));
  }

  strList(key: string): string[] {
    if (!this.has(key)) return [];
    const v = this.value[key];
    if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
      throw new ParseError(this.at(key), 'a list of strings');
    }
    return v;
  }

  strMap(key: string): Record<string, string> | undefined {
    if (!this.has(key)) return undefined;
    const v = this.value[key];
    if (!isObject(v) || !Object.values(v).every((s) => typeof s === 'string')) {
      throw new ParseError(this.at(key), 'a map of strings');
    }
    return v as Record<string, string>;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.optStr(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(v)) throw new ParseError(this.at(key), allowed.join(' | '));
    return v as T;
  }
}

/** parseMeta reads the metadata every object carries. */
export function parseMeta(value: unknown): ObjectMeta {
  const m = Reader.of(value, 'metadata');
  return {
    name: m.str('name'),
    namespace: m.optStr('namespace') ?? '',
    uid: m.optStr('uid') ?? '',
    generation: m.optNum('generation') ?? 0,
    resourceVersion: m.optStr('resourceVersion') ?? '',
    creationTimestamp: m.optStr('creationTimestamp'),
    deletionTimestamp: m.optStr('deletionTimestamp'),
    finalizers: m.strList('finalizers'),
    labels: m.strMap('labels'),
    annotations: m.strMap('annotations'),
  };
}

function parseConditions(r: Reader): Condition[] {
  return r.list('conditions').map((c) => ({
    type: c.str('type'),
    status: c.oneOf('status', ['True', 'False', 'Unknown'] as const, 'Unknown'),
    reason: c.optStr('reason') ?? '',
    message: c.optStr('message') ?? '',
    lastTransitionTime: c.optStr('lastTransitionTime') ?? '',
    observedGeneration: c.optNum('observedGeneration'),
  }));
}

function secretKey(r: Reader): { name: string; key: string } {
  return { name: r.str('name'), key: r.str('key') };
}

/** parseOntapClusterSpec reads an OntapCluster spec, with the schema's defaults applied. */
export function parseOntapClusterSpec(value: unknown): OntapClusterSpec {
  const s = Reader.of(value, 'spec');
  const ca = s.optObj('caBundleSecretRef');
  return {
    endpoint: s.str('endpoint'),
    credentialsSecretRef: s.has('credentialsSecretRef') ? { name: s.obj('credentialsSecretRef').str('name') } : undefined,
    clientCertificateSecretRef: s.has('clientCertificateSecretRef')
      ? { name: s.obj('clientCertificateSecretRef').str('name') }
      : undefined,
    caBundleSecretRef: ca ? { name: ca.str('name'), key: ca.optStr('key') ?? Defaults.caBundleKey } : undefined,
    insecureSkipTLSVerify: s.optBool('insecureSkipTLSVerify') ?? false,
    requestTimeoutSeconds: s.optNum('requestTimeoutSeconds') ?? Defaults.requestTimeoutSeconds,
    maxConcurrentRequests: s.optNum('maxConcurrentRequests') ?? Defaults.maxConcurrentRequests,
  };
}

function parseOntapClusterStatus(r: Reader | undefined): OntapClusterStatus | undefined {
  if (!r) return undefined;
  return {
    observedGeneration: r.optNum('observedGeneration'),
    clusterName: r.optStr('clusterName'),
    clusterUUID: r.optStr('clusterUUID'),
    version: r.optStr('version'),
    conditions: parseConditions(r),
  };
}

/** parseOntapCluster reads a whole OntapCluster. */
export function parseOntapCluster(value: unknown): OntapCluster {
  const o = Reader.of(value, 'OntapCluster');
  return {
    apiVersion: o.str('apiVersion'),
    kind: o.str('kind'),
    metadata: parseMeta((value as JsonObject)['metadata']),
    spec: parseOntapClusterSpec((value as JsonObject)['spec']),
    status: parseOntapClusterStatus(o.optObj('status')),
  };
}

function parseSelector(r: Reader): LabelSelector {
  return {
    matchLabels: r.strMap('matchLabels'),
    matchExpressions: r.list('matchExpressions').map((e) => ({
      key: e.str('key'),
      operator: e.oneOf('operator', ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, 'Exists'),
      values: e.strList('values'),
    })),
  };
}

/** parseTenancy reads a ClusterOntapCluster's tenancy policy; a missing one permits nothing. */
function parseTenancy(r: Reader | undefined): TenancyPolicy {
  if (!r) return { namespaceSelector: { matchExpressions: [{ key: 'kms.ontap.dev/no-tenancy-policy', operator: 'Exists' }] }, svms: [] };
  return {
    namespaceSelector: parseSelector(r.obj('namespaceSelector')),
    svms: r.list('svms').map((g) => ({ namespace: g.str('namespace'), names: g.strList('names') })),
    svmsAnnotation: r.optStr('svmsAnnotation'),
  };
}

/** parseClusterOntapCluster reads a whole ClusterOntapCluster. */
export function parseClusterOntapCluster(value: unknown): ClusterOntapCluster {
  const o = Reader.of(value, 'ClusterOntapCluster');
  const spec = Reader.of((value as JsonObject)['spec'], 'spec');
  return {
    apiVersion: o.str('apiVersion'),
    kind: o.str('kind'),
    metadata: { ...parseMeta((value as JsonObject)['metadata']), namespace: '' },
    spec: { ...parseOntapClusterSpec((value as JsonObject)['spec']), tenancy: parseTenancy(spec.optObj('tenancy')) },
    status: parseOntapClusterStatus(o.optObj('status')),
  };
}

function parseProxy(p: Reader | undefined): ProxySpec | undefined {
  if (!p) return undefined;
  const pw = p.optObj('passwordSecretRef');
  return {
    type: p.has('type') ? p.oneOf('type', ['http', 'https'] as const, 'http') : undefined,
    host: p.str('host'),
    port: p.optNum('port'),
    username: p.optStr('username'),
    passwordSecretRef: pw ? secretKey(pw) : undefined,
  };
}

/** parseKeyManagerSpec reads the fields every key-manager kind shares, with the schema's defaults applied. */
function parseKeyManagerSpec(s: Reader): KeyManagerSpec {
  const svm = s.optObj('svm');
  return {
    clusterRef: {
      name: s.obj('clusterRef').str('name'),
      kind: s.obj('clusterRef').oneOf('kind', ['OntapCluster', 'ClusterOntapCluster'] as const, 'OntapCluster'),
    },
    svm: svm ? { name: svm.str('name') } : undefined,
    proxy: parseProxy(s.optObj('proxy')),
    deletionPolicy: s.oneOf('deletionPolicy', ['Retain', 'Delete'] as const, Defaults.deletionPolicy),
    managementPolicy: s.oneOf('managementPolicy', ['Manage', 'Observe'] as const, Defaults.managementPolicy),
    driftCheckIntervalSeconds: Math.max(
      s.optNum('driftCheckIntervalSeconds') ?? Defaults.driftCheckIntervalSeconds,
      Defaults.minDriftCheckIntervalSeconds,
    ),
    suspend: s.optBool('suspend') ?? false,
    keyRotation: parseKeyRotation(s.optObj('keyRotation')),
  };
}

/** parseKeyRotation reads spec.keyRotation; rotationPeriodSeconds holds its period to the bounds. */
function parseKeyRotation(r: Reader | undefined): KeyRotationSpec | undefined {
  if (!r) return undefined;
  const rotateEvery = r.str('rotateEvery');
  if (parseDuration(rotateEvery) === undefined) throw new ParseError('spec.keyRotation.rotateEvery', 'a duration such as 2160h');
  const w = r.optObj('window');
  const days = w?.has('days') ? w.strList('days').filter((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d)) : [];
  return {
    rotateEvery,
    ...(w ? { window: { days, startHour: w.optNum('startHour') ?? 0, endHour: w.optNum('endHour') ?? 24 } } : {}),
  };
}

/** optSecretKeyRef reads an optional Secret key reference whose key defaults to `defaultKey`. */
function optSecretKeyRef(s: Reader, field: string, defaultKey: string): SecretKeySelector | undefined {
  const r = s.optObj(field);
  return r ? { name: r.str('name'), key: r.optStr('key') ?? defaultKey } : undefined;
}

/** parseOntapAwsKmsSpec reads an OntapAwsKms spec, with the schema's defaults applied. */
export function parseOntapAwsKmsSpec(value: unknown): OntapAwsKmsSpec {
  const s = Reader.of(value, 'spec');
  const creds = s.obj('credentialsSecretRef');
  return Object.assign(parseKeyManagerSpec(s), {
    keyId: s.str('keyId'),
    region: s.str('region'),
    credentialsSecretRef: {
      name: creds.str('name'),
      accessKeyIdKey: creds.optStr('accessKeyIdKey') ?? Defaults.accessKeyIdKey,
      secretAccessKeyKey: creds.optStr('secretAccessKeyKey') ?? Defaults.secretAccessKeyKey,
    },
    service: s.optStr('service'),
    defaultDomain: s.optStr('defaultDomain'),
    host: s.optStr('host'),
    port: s.optNum('port'),
    pollingPeriodMinutes: s.optNum('pollingPeriodMinutes'),
    timeoutSeconds: s.optNum('timeoutSeconds'),
    verify: s.optBool('verify'),
    verifyHost: s.optBool('verifyHost'),
    verifyIp: s.optBool('verifyIp'),
    encryptionContext: s.optStr('encryptionContext'),
    skipVerify: s.optBool('skipVerify'),
  });
}

/** parseOntapAzureKeyVaultSpec reads an OntapAzureKeyVault spec, with the schema's defaults applied. */
export function parseOntapAzureKeyVaultSpec(value: unknown): OntapAzureKeyVaultSpec {
  const s = Reader.of(value, 'spec');
  return Object.assign(parseKeyManagerSpec(s), {
    clientId: s.str('clientId'),
    tenantId: s.str('tenantId'),
    keyId: s.str('keyId'),
    vaultName: s.str('vaultName'),
    clientSecretRef: optSecretKeyRef(s, 'clientSecretRef', Defaults.clientSecretKey),
    clientCertificateRef: optSecretKeyRef(s, 'clientCertificateRef', Defaults.clientCertificateKey),
    oauthHost: s.optStr('oauthHost'),
    vaultHost: s.optStr('vaultHost'),
    port: s.optNum('port'),
    verifyHost: s.optBool('verifyHost'),
    verifyIp: s.optBool('verifyIp'),
    skipVerification: s.optBool('skipVerification'),
  });
}

/** parseOntapGcpKmsSpec reads an OntapGcpKms spec, with the schema's defaults applied. */
export function parseOntapGcpKmsSpec(value: unknown): OntapGcpKmsSpec {
  const s = Reader.of(value, 'spec');
  return Object.assign(parseKeyManagerSpec(s), {
    projectId: s.str('projectId'),
    keyRingName: s.str('keyRingName'),
    keyRingLocation: s.str('keyRingLocation'),
    keyName: s.str('keyName'),
    applicationCredentialsSecretRef: optSecretKeyRef(s, 'applicationCredentialsSecretRef', Defaults.applicationCredentialsKey),
    authenticationMethod: s.has('authenticationMethod')
      ? s.oneOf('authenticationMethod', ['application_credentials_key', 'sa_credentials_attachment'] as const, 'application_credentials_key')
      : undefined,
    gceMetadataServer: s.optStr('gceMetadataServer'),
    privilegedAccount: s.optStr('privilegedAccount'),
    cloudkmsHost: s.optStr('cloudkmsHost'),
    oauthHost: s.optStr('oauthHost'),
    oauthUrl: s.optStr('oauthUrl'),
    port: s.optNum('port'),
    verifyHost: s.optBool('verifyHost'),
    verifyIp: s.optBool('verifyIp'),
  });
}

function reachability(r: Reader): Reachability {
  return { reachable: r.optBool('reachable') ?? false, code: r.optStr('code') ?? '', message: r.optStr('message') ?? '' };
}

function parseReachability(r: Reader | undefined): Reachability | undefined {
  return r ? reachability(r) : undefined;
}

/**
 * parseOntapOnboardKeyManagerSpec reads an OntapOnboardKeyManager spec, with the schema's defaults
 * applied. The cluster scope only: an svm, a proxy or a keyRotation (which the CRD has no field
 * for) is left out rather than honoured.
 */
export function parseOntapOnboardKeyManagerSpec(value: unknown): OntapOnboardKeyManagerSpec {
  const s = Reader.of(value, 'spec');
  const pass = s.obj('passphraseSecretRef');
  const backup = s.optObj('backupSecretRef');
  return Object.assign(parseKeyManagerSpec(s), {
    svm: undefined,
    proxy: undefined,
    keyRotation: undefined,
    passphraseSecretRef: {
      name: pass.str('name'),
      key: pass.optStr('key') ?? Defaults.passphraseKey,
      existingKey: pass.optStr('existingKey') ?? Defaults.existingPassphraseKey,
    },
    backupSecretRef: backup ? { name: backup.str('name'), key: backup.optStr('key') ?? Defaults.keyBackupKey } : undefined,
  });
}

/** parseOntapKmipSpec reads an OntapKmip spec, with the schema's defaults applied (no proxy, no keyRotation). */
export function parseOntapKmipSpec(value: unknown): OntapKmipSpec {
  const s = Reader.of(value, 'spec');
  return Object.assign(parseKeyManagerSpec(s), {
    proxy: undefined,
    keyRotation: undefined,
    servers: s.list('servers').map((v) => {
      const pw = v.optObj('passwordSecretRef');
      return {
        host: v.str('host'),
        port: v.optNum('port') ?? Defaults.kmipPort,
        timeout: v.optNum('timeout'),
        username: v.optStr('username'),
        passwordSecretRef: pw ? { name: pw.str('name'), key: pw.optStr('key') ?? 'password' } : undefined,
        secondaryKeyServers: v.has('secondaryKeyServers') ? v.strList('secondaryKeyServers') : undefined,
      };
    }),
    clientCertificateSecretRef: { name: s.obj('clientCertificateSecretRef').str('name') },
    serverCASecretRef: { name: s.obj('serverCASecretRef').str('name'), key: s.obj('serverCASecretRef').optStr('key') ?? Defaults.caBundleKey },
  });
}

/** parseKeyManagerStatus reads the status fields every key-manager kind shares. */
function parseKeyManagerStatus(r: Reader): KeyManagerStatus {
  const svm = r.optObj('svm');
  const state = r.optObj('state');
  return {
    observedGeneration: r.optNum('observedGeneration'),
    uuid: r.optStr('uuid'),
    scope: r.optStr('scope'),
    svm: svm ? { name: svm.optStr('name') ?? '', uuid: svm.optStr('uuid') ?? '' } : undefined,
    state: state
      ? { clusterState: state.optBool('clusterState') ?? false, code: state.optStr('code') ?? '', message: state.optStr('message') ?? '' }
      : undefined,
    ekmipReachability: r.has('ekmipReachability')
      ? r.list('ekmipReachability').map((n) => Object.assign({ node: n.optStr('node') ?? '' }, reachability(n)))
      : undefined,
    appliedSecrets: r.has('appliedSecrets')
      ? r.list('appliedSecrets').map((a) => ({
          name: a.str('name'),
          resourceVersion: a.str('resourceVersion'),
          keys: a.has('keys') ? a.strList('keys') : undefined,
        }))
      : undefined,
    drift: r.has('drift') ? r.strList('drift') : undefined,
    pendingWrite: parsePendingWrite(r.optObj('pendingWrite')),
    lastRestore: parseRestoreResult(r.optObj('lastRestore')),
    keyRotation: parseKeyRotationStatus(r.optObj('keyRotation')),
    conditions: parseConditions(r),
  };
}

/** parsePendingWrite reads status.pendingWrite; one of another operation is dropped (nothing known waits on it). */
function parsePendingWrite(p: Reader | undefined): PendingWrite | undefined {
  if (!p) return undefined;
  const operation = p.optStr('operation');
  const sentAt = p.optStr('sentAt');
  if ((operation !== 'create' && operation !== 'rekey-external' && operation !== 'restore' && operation !== 'rekey-internal') || sentAt === undefined) return undefined;
  const job = p.optStr('job');
  const keyId = p.optStr('keyId');
  const token = p.optStr('token');
  return { operation, sentAt, ...(job !== undefined ? { job } : {}), ...(keyId !== undefined ? { keyId } : {}), ...(token !== undefined ? { token } : {}) };
}

const ROTATION_RESULTS = ['Succeeded', 'Failed', 'Unknown'] as const;

/** parseKeyRotationStatus reads status.keyRotation. */
function parseKeyRotationStatus(p: Reader | undefined): KeyRotationStatus | undefined {
  if (!p) return undefined;
  const last = p.optObj('lastResult');
  const result = ROTATION_RESULTS.find((x) => x === last?.optStr('result'));
  const time = last?.optStr('time');
  const opt = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  return {
    ...opt('since', p.optStr('since')),
    ...opt('lastRekeyTime', p.optStr('lastRekeyTime')),
    ...opt('nextRekeyTime', p.optStr('nextRekeyTime')),
    ...(last && result !== undefined && time !== undefined
      ? { lastResult: { time, result, ...opt('reason', last.optStr('reason')), ...opt('message', last.optStr('message')), ...opt('generation', last.optNum('generation')) } }
      : {}),
  };
}

const RESTORE_RESULTS = ['Succeeded', 'Failed', 'Unknown', 'Skipped'] as const;

/** parseRestoreResult reads status.lastRestore. */
function parseRestoreResult(p: Reader | undefined): RestoreResult | undefined {
  if (!p) return undefined;
  const token = p.optStr('token');
  const time = p.optStr('time');
  const result = RESTORE_RESULTS.find((x) => x === p.optStr('result'));
  if (token === undefined || time === undefined || result === undefined) return undefined;
  const reason = p.optStr('reason');
  const message = p.optStr('message');
  return { token, time, result, ...(reason !== undefined ? { reason } : {}), ...(message !== undefined ? { message } : {}) };
}

/** parseResource reads apiVersion, kind, metadata, spec and status of one custom resource. */
function parseResource<Spec, Status>(
  value: unknown,
  kind: string,
  spec: (value: unknown) => Spec,
  status: (r: Reader) => Status,
): { apiVersion: string; kind: string; metadata: ObjectMeta; spec: Spec; status?: Status } {
  const o = Reader.of(value, kind);
  const st = o.optObj('status');
  return {
    apiVersion: o.str('apiVersion'),
    kind: o.str('kind'),
    metadata: parseMeta((value as JsonObject)['metadata']),
    spec: spec((value as JsonObject)['spec']),
    status: st ? status(st) : undefined,
  };
}

/** parseOntapAwsKms reads a whole OntapAwsKms. */
export function parseOntapAwsKms(value: unknown): OntapAwsKms {
  return parseResource(value, 'OntapAwsKms', parseOntapAwsKmsSpec, (r): OntapAwsKmsStatus =>
    Object.assign(parseKeyManagerStatus(r), {
      keyId: r.optStr('keyId'),
      amazonReachability: parseReachability(r.optObj('amazonReachability')),
    }),
  );
}

/** parseOntapAzureKeyVault reads a whole OntapAzureKeyVault. */
export function parseOntapAzureKeyVault(value: unknown): OntapAzureKeyVault {
  return parseResource(value, 'OntapAzureKeyVault', parseOntapAzureKeyVaultSpec, (r): OntapAzureKeyVaultStatus =>
    Object.assign(parseKeyManagerStatus(r), {
      keyId: r.optStr('keyId'),
      vaultName: r.optStr('vaultName'),
      authenticationMethod: r.optStr('authenticationMethod'),
      azureReachability: parseReachability(r.optObj('azureReachability')),
    }),
  );
}

/** parseOntapKmip reads a whole OntapKmip. */
export function parseOntapKmip(value: unknown): OntapKmip {
  return parseResource(value, 'OntapKmip', parseOntapKmipSpec, (r): OntapKmipStatus => {
    const cert = (c: Reader): { name: string; uuid?: string; expiryTime?: string } => ({ name: c.optStr('name') ?? '', uuid: c.optStr('uuid'), expiryTime: c.optStr('expiryTime') });
    const st = r.optObj('ontapStatus');
    const client = r.optObj('clientCertificate');
    return Object.assign(parseKeyManagerStatus(r), {
      keyServers: r.has('keyServers')
        ? r.list('keyServers').map((k) => ({
            server: k.optStr('server') ?? '',
            timeout: k.optNum('timeout'),
            username: k.optStr('username'),
            secondaryKeyServers: k.has('secondaryKeyServers') ? k.strList('secondaryKeyServers') : undefined,
            available: k.optBool('available'),
            nodes: k.has('nodes') ? k.list('nodes').map((n) => ({ node: n.optStr('node') ?? '', state: n.optStr('state') ?? '' })) : undefined,
          }))
        : undefined,
      clientCertificate: client ? cert(client) : undefined,
      serverCaCertificates: r.has('serverCaCertificates') ? r.list('serverCaCertificates').map(cert) : undefined,
      ontapStatus: st ? { code: st.optStr('code') ?? '', message: st.optStr('message') ?? '' } : undefined,
    });
  });
}

/** parseOntapOnboardKeyManager reads a whole OntapOnboardKeyManager. */
export function parseOntapOnboardKeyManager(value: unknown): OntapOnboardKeyManager {
  return parseResource(value, 'OntapOnboardKeyManager', parseOntapOnboardKeyManagerSpec, (r): OntapOnboardKeyManagerStatus => {
    const st = r.optObj('ontapStatus');
    const backup = r.optObj('keyBackup');
    return Object.assign(parseKeyManagerStatus(r), {
      enabled: r.optBool('enabled'),
      ontapStatus: st ? { code: st.optStr('code') ?? '', message: st.optStr('message') ?? '' } : undefined,
      keyBackup: backup ? { secretName: backup.optStr('secretName') ?? '', lastWriteTime: backup.optStr('lastWriteTime') } : undefined,
    });
  });
}

/** parseOntapGcpKms reads a whole OntapGcpKms. */
export function parseOntapGcpKms(value: unknown): OntapGcpKms {
  return parseResource(value, 'OntapGcpKms', parseOntapGcpKmsSpec, (r): OntapGcpKmsStatus =>
    Object.assign(parseKeyManagerStatus(r), {
      projectId: r.optStr('projectId'),
      keyRingName: r.optStr('keyRingName'),
      keyRingLocation: r.optStr('keyRingLocation'),
      keyName: r.optStr('keyName'),
      callerAccount: r.optStr('callerAccount'),
      googleReachability: parseReachability(r.optObj('googleReachability')),
    }),
  );
}
