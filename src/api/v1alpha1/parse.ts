/**
 * Parsing of OntapCluster and OntapAwsKms objects from the API server's JSON into typed values,
 * once, at the edge. The API server has already validated them against the CRD schema, so a
 * failure here means a schema/type mismatch or an object from an older schema: the error names
 * the field.
 */
import { Defaults } from './constants.js';
import type {
  ClusterOntapCluster,
  Condition,
  LabelSelector,
  TenancyPolicy,
  ObjectMeta,
  OntapAwsKms,
  OntapAwsKmsSpec,
  OntapAwsKmsStatus,
  OntapCluster,
  OntapClusterSpec,
  OntapClusterStatus,
  ProxySpec,
} from './types.js';

/** ParseError says which field of which object could not be read. */
export class ParseError extends Error {
  constructor(readonly path: string, expected: string) {
    super(`${path}: expected ${expected}`);
    this.name = 'ParseError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reader reads typed fields out of one JSON object, naming the path in any error. */
class Reader {
  constructor(private readonly value: Json, private readonly path: string) {}

  static of(value: unknown, path: string): Reader {
    if (!isObject(value)) throw new ParseError(path, 'an object');
    return new Reader(value, path);
  }

  private at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  str(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string') throw new ParseError(this.at(key), 'a string');
    return v;
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }

  num(key: string): number {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParseError(this.at(key), 'a number');
    return v;
  }

  optNum(key: string): number | undefined {
    return this.has(key) ? this.num(key) : undefined;
  }

  optBool(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const v = this.value[key];
    if (typeof v !== 'boolean') throw new ParseError(this.at(key), 'a boolean');
    return v;
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
    metadata: parseMeta((value as Json).metadata),
    spec: parseOntapClusterSpec((value as Json).spec),
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
  const spec = Reader.of((value as Json).spec, 'spec');
  return {
    apiVersion: o.str('apiVersion'),
    kind: o.str('kind'),
    metadata: { ...parseMeta((value as Json).metadata), namespace: '' },
    spec: { ...parseOntapClusterSpec((value as Json).spec), tenancy: parseTenancy(spec.optObj('tenancy')) },
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

/** parseOntapAwsKmsSpec reads an OntapAwsKms spec, with the schema's defaults applied. */
export function parseOntapAwsKmsSpec(value: unknown): OntapAwsKmsSpec {
  const s = Reader.of(value, 'spec');
  const creds = s.obj('credentialsSecretRef');
  const svm = s.optObj('svm');
  return {
    clusterRef: {
      name: s.obj('clusterRef').str('name'),
      kind: s.obj('clusterRef').oneOf('kind', ['OntapCluster', 'ClusterOntapCluster'] as const, 'OntapCluster'),
    },
    svm: svm ? { name: svm.str('name') } : undefined,
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
    proxy: parseProxy(s.optObj('proxy')),
    pollingPeriodMinutes: s.optNum('pollingPeriodMinutes'),
    timeoutSeconds: s.optNum('timeoutSeconds'),
    verify: s.optBool('verify'),
    verifyHost: s.optBool('verifyHost'),
    verifyIp: s.optBool('verifyIp'),
    encryptionContext: s.optStr('encryptionContext'),
    skipVerify: s.optBool('skipVerify'),
    deletionPolicy: s.oneOf('deletionPolicy', ['Retain', 'Delete'] as const, Defaults.deletionPolicy),
    managementPolicy: s.oneOf('managementPolicy', ['Manage', 'Observe'] as const, Defaults.managementPolicy),
    driftCheckIntervalSeconds: Math.max(
      s.optNum('driftCheckIntervalSeconds') ?? Defaults.driftCheckIntervalSeconds,
      Defaults.minDriftCheckIntervalSeconds,
    ),
    suspend: s.optBool('suspend') ?? false,
  };
}

function parseOntapAwsKmsStatus(r: Reader | undefined): OntapAwsKmsStatus | undefined {
  if (!r) return undefined;
  const svm = r.optObj('svm');
  const state = r.optObj('state');
  const amazon = r.optObj('amazonReachability');
  return {
    observedGeneration: r.optNum('observedGeneration'),
    uuid: r.optStr('uuid'),
    scope: r.optStr('scope'),
    svm: svm ? { name: svm.optStr('name') ?? '', uuid: svm.optStr('uuid') ?? '' } : undefined,
    keyId: r.optStr('keyId'),
    state: state
      ? { clusterState: state.optBool('clusterState') ?? false, code: state.optStr('code') ?? '', message: state.optStr('message') ?? '' }
      : undefined,
    amazonReachability: amazon
      ? { reachable: amazon.optBool('reachable') ?? false, code: amazon.optStr('code') ?? '', message: amazon.optStr('message') ?? '' }
      : undefined,
    ekmipReachability: r.has('ekmipReachability')
      ? r.list('ekmipReachability').map((n) => ({
          node: n.optStr('node') ?? '',
          reachable: n.optBool('reachable') ?? false,
          code: n.optStr('code') ?? '',
          message: n.optStr('message') ?? '',
        }))
      : undefined,
    appliedSecrets: r.has('appliedSecrets')
      ? r.list('appliedSecrets').map((a) => ({
          name: a.str('name'),
          resourceVersion: a.str('resourceVersion'),
          keys: a.has('keys') ? a.strList('keys') : undefined,
        }))
      : undefined,
    drift: r.has('drift') ? r.strList('drift') : undefined,
    conditions: parseConditions(r),
  };
}

/** parseOntapAwsKms reads a whole OntapAwsKms. */
export function parseOntapAwsKms(value: unknown): OntapAwsKms {
  const o = Reader.of(value, 'OntapAwsKms');
  return {
    apiVersion: o.str('apiVersion'),
    kind: o.str('kind'),
    metadata: parseMeta((value as Json).metadata),
    spec: parseOntapAwsKmsSpec((value as Json).spec),
    status: parseOntapAwsKmsStatus(o.optObj('status')),
  };
}
