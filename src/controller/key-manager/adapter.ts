/**
 * The seam between the key-manager engine (engine.ts: policy) and one ONTAP endpoint family
 * (aws-kms, and each family of the kinds table). In the spirit of Crossplane's ExternalClient: the engine
 * observes through the cluster's coalescing observer, then asks the adapter what differs (a pure
 * delta) and which bodies to send; it sends them with the family-generic client calls, and reports
 * what was sent. The adapter holds no state and calls nothing itself: its functions are pure, so
 * each is table-tested, and the engine is tested with fake adapters.
 */
import type { AppliedSecret, KeyManagerSpec, KeyManagerStatus, ObjectMeta, Reachability } from '../../api/v1alpha1/types.js';
import type { KeyManagerFamily, KeyManagerRecord } from '../../ontap/key-manager-family.js';
import type { ResourceType } from '../../runtime/kube-types.js';
import type { KindGauge } from '../resource-metrics.js';
import type { SecretReader } from '../secrets.js';
import type { Outcome } from './status.js';

/** KeyManagerObject is a key-manager custom resource: OntapAwsKms, or any other key-manager kind of the kinds table. */
export interface KeyManagerObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: KeyManagerSpec;
  status?: KeyManagerStatus;
}

/** SecretRef is one Secret a spec references, and the keys of it that are sent to ONTAP. */
export interface SecretRef {
  readonly name: string;
  readonly keys: readonly string[];
}

/** withProxy lists `credentials` (if any) and the proxy password's Secret (if any): a spec's Secret references. */
export function withProxy(spec: KeyManagerSpec, credentials: SecretRef | undefined): SecretRef[] {
  const proxy = spec.proxy?.passwordSecretRef;
  return [...(credentials ? [credentials] : []), ...(proxy ? [{ name: proxy.name, keys: [proxy.key] }] : [])];
}

/** FieldDiff is one managed field whose ONTAP value differs from the spec. Never a secret. */
export interface FieldDiff {
  readonly path: string;
  readonly desired: string | number | boolean;
  readonly observed: string | number | boolean | undefined;
}

/** KeyManagerDelta is everything that must change on ONTAP, as the bodies that change it. */
export interface KeyManagerDelta {
  /** fields lists the plain configuration fields that differ (corrected by configPatch). */
  readonly fields: readonly FieldDiff[];
  /** rekey is set when the key differs: ONTAP changes it only through `rekey-external`. */
  readonly rekey: { readonly body: object; readonly to: string } | undefined;
  /** configPatch fixes the plain fields (and sends the proxy password); undefined when nothing to send. */
  readonly configPatch: object | undefined;
  /** credentialsPatch sends the credentials; kept apart so refused credentials do not block configuration fixes. */
  readonly credentialsPatch: object | undefined;
  /** credentials says why the credentials are sent (`never-applied`, `secret-changed`, ...). */
  readonly credentials: string | undefined;
  /** proxyPassword is true when configPatch carries the proxy password. */
  readonly proxyPassword: boolean;
  /** drift names every differing spec field, for status.drift and events (Secret refs by name only). */
  readonly drift: readonly string[];
  /**
   * credentialsFallback is sent instead when ONTAP refuses credentialsPatch with one of `codes`;
   * when it is accepted, the credentials count as sent. The Onboard Key Manager checks the
   * passphrase first and changes it only when ONTAP has the existing one: a change already made
   * (the operator stopped before it recorded it) is then never sent again.
   */
  readonly credentialsFallback?: { readonly codes: readonly string[]; readonly body: object; readonly cause: string } | undefined;
}

/** SideRead is a collection read beside the record (a key manager's certificates, its key servers). */
export interface SideRead {
  /** key names its records in SideReads. */
  readonly key: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

/** SideReads are the records of each SideRead, by key, as ONTAP returned them (the adapter parses them). */
export type SideReads = Readonly<Record<string, readonly unknown[]>>;

/** SideWrite is one write beside the record. */
export interface SideWrite {
  readonly method: 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: object;
  /** what names it in logs and events; never a secret. */
  readonly what: string;
  /** sent is the Secret version and keys the write carries, for status.appliedSecrets. */
  readonly sent?: { readonly name: string; readonly resourceVersion: string; readonly keys: readonly string[] };
}

/**
 * SidePlan is what must change beside the record, in order: `before` (what the record will
 * reference, e.g. certificates to install), the record's own PATCH, then `after` (e.g. key
 * servers, and certificates no longer referenced). The engine sends `after` only when everything
 * before it succeeded, so a failed switch never removes what the record still uses.
 */
export interface SidePlan {
  readonly before: readonly SideWrite[];
  readonly recordPatch: object | undefined;
  readonly after: readonly SideWrite[];
  /** drift names the spec fields that differ (Secret refs by name only). */
  readonly drift: readonly string[];
  /** createBody, planned before a create (no record yet), replaces adapter.createBody: what it references is only known from the reads. */
  readonly createBody?: object;
}

/** Sent says what a write carried, for the applied-Secret bookkeeping. */
export interface Sent {
  readonly credentials: boolean;
  readonly proxyPassword: boolean;
}

/**
 * KeyManagerAdapter is one ONTAP endpoint family seen from the engine. `O` is the resource, `R`
 * ONTAP's record, `S` the Secrets as read and validated (never logged, never in status).
 */
export interface KeyManagerAdapter<O extends KeyManagerObject, R extends KeyManagerRecord, S> {
  /** type is the resource's API type, for its writes. */
  readonly type: ResourceType;
  /** family is the ONTAP endpoint family the client calls address. */
  readonly family: KeyManagerFamily<R>;
  /** observedFields are the fields the observer's collection GET names (advanced ones included). */
  readonly observedFields: readonly string[];
  /** label names a record in events: `AWS KMS configuration`. */
  readonly label: string;
  /** reachability names the cloud service's reachability in status and metrics; unset for a key manager that reaches no cloud. */
  readonly reachability?: {
    /** metric is the gauge's last part: `amazon_reachable` gives `ontap_kms_awskms_amazon_reachable`. */
    readonly metric: string;
    /** ontapField is ONTAP's advanced field: `amazon_reachability`. */
    readonly ontapField: string;
    /** service names the cloud service: `AWS KMS`. */
    readonly service: string;
    /** read returns it from the status. */
    read(status: NonNullable<O['status']>): Reachability | undefined;
  };
  /** keyName names the key in the Rekeyed event: `keyId`. */
  readonly keyName: string;
  /** secretRefs lists every Secret the spec references (credentials, proxy password). */
  secretRefs(spec: O['spec']): SecretRef[];
  /** credentialsRef is the Secret holding the credentials, when there is one (a GCP attached service account needs none). */
  credentialsRef(spec: O['spec']): SecretRef | undefined;
  /** readSecrets reads and validates every referenced Secret (SecretNotFound / SecretInvalid). */
  readSecrets(reader: SecretReader, namespace: string, spec: O['spec'], name: string): Promise<S>;
  /**
   * fingerprint is a value ONTAP shows that comes from the credentials Secret (AWS: the access
   * key id), so a Secret left unread since it was sent can still be found to differ from ONTAP.
   * Absent when ONTAP shows nothing of the credentials.
   */
  readonly fingerprint?: {
    /** ofSecrets returns the fingerprint and the version of the credentials Secret it was read from. */
    readonly ofSecrets: (secrets: S) => { readonly resourceVersion: string; readonly fingerprint: string };
    readonly ofRecord: (record: R) => string | undefined;
  };
  /**
   * alreadyConfiguredCodes are ONTAP's error codes for a create refused because the SVM already
   * has a key manager (this family's, or another: ONTAP allows one per SVM).
   */
  readonly alreadyConfiguredCodes: readonly string[];
  /** createBody is the POST body. */
  createBody(spec: O['spec'], secrets: S): object;
  /** afterCreate is the PATCH sent right after a create: fields POST refuses. */
  afterCreate(spec: O['spec']): object | undefined;
  /** delta compares the spec with a record; without `secrets`, credentials are not compared. */
  delta(spec: O['spec'], record: R, secrets: S | undefined, applied: readonly AppliedSecret[]): KeyManagerDelta;
  /** appliedAfter is status.appliedSecrets after sending what `sent` says. */
  appliedAfter(applied: readonly AppliedSecret[], secrets: S, sent: Sent): AppliedSecret[];
  /** describeSent names, for events, what was sent and from which Secret (never a value). */
  describeSent(secrets: S, what: 'credentials' | 'proxyPassword', cause?: string): string;
  /**
   * restore says whether ONTAP has a `restore` action for this family; unset: it has. When it has
   * not, the restore annotation is answered with lastRestore Skipped and this reason.
   */
  readonly noRestore?: string;
  /**
   * secretsNeeded says whether the record asks for the Secrets' values now, although they are as
   * last sent (the Onboard Key Manager: a node that joined needs the passphrase to synchronize).
   */
  readonly secretsNeeded?: (record: R) => boolean;
  /**
   * export keeps a secret value of ONTAP's record in a Secret the spec names (the Onboard Key
   * Manager's key backup); see export.ts for the rules. Run in both management policies: it
   * writes to Kubernetes, never to ONTAP.
   */
  readonly export?: {
    /** target is the Secret and key the spec names; undefined when it names none. */
    target(spec: O['spec']): { readonly name: string; readonly key: string } | undefined;
    /** value is what the record holds to keep (never logged); undefined when ONTAP shows none. */
    value(record: R): string | undefined;
  };
  /**
   * sides are the records a key manager keeps beside its own (KMIP: the certificates it
   * references, its key servers): read in every pass once the record exists (and the
   * certificates before a create), planned from the spec and Secrets, and shown in status.
   */
  readonly sides?: {
    /** reads are the collections to read; `recordUuid` is undefined before the create. */
    reads(spec: O['spec'], recordUuid: string | undefined, meta: { readonly namespace: string; readonly name: string }): readonly SideRead[];
    /** plan says what to write; `record` is undefined before the create (then only `before` is sent). */
    plan(spec: O['spec'], record: R | undefined, secrets: S, side: SideReads, applied: readonly AppliedSecret[], meta: { readonly namespace: string; readonly name: string }): SidePlan;
    /** cleanup is what goes once the record is deleted (deletionPolicy Delete), from reads made with no record. */
    cleanup?(spec: O['spec'], side: SideReads, meta: { readonly namespace: string; readonly name: string }): readonly SideWrite[];
  };
  /** gauges are the kind's own per-resource gauges, read from status at scrape time (resource-metrics.ts). */
  readonly gauges?: readonly KindGauge[];
  /** intern interns what a fleet of this kind repeats in its cached objects (see typed-cache.ts). @default the fields every kind has */
  readonly intern?: (obj: O, intern: (s: string) => string) => void;
  /** status is the next status: keyManagerStatus with the kind's fields. */
  status(obj: O, outcome: Outcome<R>, now: Date): NonNullable<O['status']>;
}
