/**
 * The managed configuration fields of an aws-kms record: where each lives in the spec, what ONTAP
 * calls it, and whether ONTAP accepts it on create (the PATCH-only ones are applied right after).
 * Secrets, keyId and svm are handled apart: they are not plain PATCHable values.
 */
import type { OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import { type ConfigValue, type ManagedField as KmManagedField, managedField, type ProxyField, proxyFields } from '../key-manager/fields.js';

export type { ConfigValue } from '../key-manager/fields.js';

/** ManagedField maps one OntapAwsKms spec field to one aws-kms field. */
export type ManagedField = KmManagedField<OntapAwsKmsSpec, ConfigField>;

/** ConfigField is an ONTAP field the operator manages as a plain value. */
export type ConfigField =
  | 'region'
  | 'service'
  | 'default_domain'
  | 'host'
  | 'port'
  | ProxyField
  | 'polling_period'
  | 'encryption_context'
  | 'timeout'
  | 'verify'
  | 'verify_host'
  | 'verify_ip';

const field = (specPath: string, ontap: Exclude<ConfigField, ProxyField>, desired: (spec: OntapAwsKmsSpec) => ConfigValue | undefined, patchOnly = false): ManagedField =>
  managedField(specPath, ontap, desired, patchOnly);

/** MANAGED_FIELDS lists every plain configuration field (the spec fields are in docs/api.md, the ONTAP ones in docs/ontap-rest.md). */
export const MANAGED_FIELDS: readonly ManagedField[] = [
  field('spec.region', 'region', (s) => s.region),
  field('spec.service', 'service', (s) => s.service),
  field('spec.defaultDomain', 'default_domain', (s) => s.defaultDomain),
  field('spec.host', 'host', (s) => s.host),
  field('spec.port', 'port', (s) => s.port),
  ...proxyFields<OntapAwsKmsSpec>(),
  field('spec.pollingPeriodMinutes', 'polling_period', (s) => s.pollingPeriodMinutes),
  field('spec.encryptionContext', 'encryption_context', (s) => s.encryptionContext),
  field('spec.timeoutSeconds', 'timeout', (s) => s.timeoutSeconds, true),
  field('spec.verify', 'verify', (s) => s.verify, true),
  field('spec.verifyHost', 'verify_host', (s) => s.verifyHost, true),
  field('spec.verifyIp', 'verify_ip', (s) => s.verifyIp, true),
];

/** OBSERVED_FIELDS is what a GET must name to compare and report: managed fields plus identity and advanced state. */
export const OBSERVED_FIELDS: readonly string[] = [
  'uuid',
  'scope',
  'svm.name',
  'svm.uuid',
  'key_id',
  'access_key_id',
  ...MANAGED_FIELDS.map((f) => f.ontap),
  'state',
  'amazon_reachability',
  'ekmip_reachability',
];
