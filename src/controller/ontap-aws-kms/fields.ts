/**
 * The managed configuration fields of an aws-kms record: where each lives in the spec, what ONTAP
 * calls it, and whether ONTAP accepts it on create (the PATCH-only ones are applied right after).
 * Secrets, keyId and svm are handled apart: they are not plain PATCHable values.
 */
import type { OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import type { AwsKmsRecord } from '../../ontap/wire.js';

/** ConfigValue is the type of every managed configuration value. */
export type ConfigValue = string | number | boolean;

/** ManagedField maps one spec field to one ONTAP field. */
export interface ManagedField {
  /** specPath names the field the way users write it, e.g. `spec.proxy.port`. */
  readonly specPath: string;
  /** ontap is ONTAP's field name in GET, POST and PATCH bodies. */
  readonly ontap: ConfigField;
  /** patchOnly fields are refused by POST and applied right after create. */
  readonly patchOnly: boolean;
  /** desired reads the field from the spec; undefined means "not managed". */
  readonly desired: (spec: OntapAwsKmsSpec) => ConfigValue | undefined;
}

/** ConfigField is an ONTAP field the operator manages as a plain value. */
export type ConfigField =
  | 'region'
  | 'service'
  | 'default_domain'
  | 'host'
  | 'port'
  | 'proxy_type'
  | 'proxy_host'
  | 'proxy_port'
  | 'proxy_username'
  | 'polling_period'
  | 'encryption_context'
  | 'timeout'
  | 'verify'
  | 'verify_host'
  | 'verify_ip';

const field = (
  specPath: string,
  ontap: ConfigField,
  desired: (spec: OntapAwsKmsSpec) => ConfigValue | undefined,
  patchOnly = false,
): ManagedField => ({ specPath, ontap, desired, patchOnly });

/** MANAGED_FIELDS lists every plain configuration field, in the order api.md's table gives them. */
export const MANAGED_FIELDS: readonly ManagedField[] = [
  field('spec.region', 'region', (s) => s.region),
  field('spec.service', 'service', (s) => s.service),
  field('spec.defaultDomain', 'default_domain', (s) => s.defaultDomain),
  field('spec.host', 'host', (s) => s.host),
  field('spec.port', 'port', (s) => s.port),
  field('spec.proxy.type', 'proxy_type', (s) => s.proxy?.type),
  field('spec.proxy.host', 'proxy_host', (s) => s.proxy?.host),
  field('spec.proxy.port', 'proxy_port', (s) => s.proxy?.port),
  field('spec.proxy.username', 'proxy_username', (s) => s.proxy?.username),
  field('spec.pollingPeriodMinutes', 'polling_period', (s) => s.pollingPeriodMinutes),
  field('spec.encryptionContext', 'encryption_context', (s) => s.encryptionContext),
  field('spec.timeoutSeconds', 'timeout', (s) => s.timeoutSeconds, true),
  field('spec.verify', 'verify', (s) => s.verify, true),
  field('spec.verifyHost', 'verify_host', (s) => s.verifyHost, true),
  field('spec.verifyIp', 'verify_ip', (s) => s.verifyIp, true),
];

/** observedValue reads a managed field from an ONTAP record. */
export function observedValue(record: AwsKmsRecord, f: ConfigField): ConfigValue | undefined {
  return record[f];
}

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
