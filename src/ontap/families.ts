/**
 * The cloud key-manager families the operator drives, each with its write-only fields: ONTAP
 * takes them and never returns them (docs/ontap-rest.md, "Fields", with NetApp's reference pages
 * for each family), so they are the secrets a body carries. The log redaction is built
 * from KEY_MANAGER_FAMILIES (runtime/logger.ts): a family added here has its secrets redacted
 * without another list to remember, and test/unit/runtime/logger.test.ts fails a family whose
 * create body sends a Secret's value under a field it did not declare.
 *
 * This module imports only the wire parsers, so that the logger can import it.
 */
import type { KeyManagerFamily, KeyManagerRecord } from './key-manager-family.js';
import { type AzureKeyVaultRecord, parseAzureKeyVaultRecord } from './wire-azure.js';
import { type GcpKmsRecord, parseGcpKmsRecord } from './wire-gcp.js';
import { type KmipRecord, parseKmipRecord } from './wire-kmip.js';
import { type OnboardKeyManagerRecord, parseOnboardKeyManagerRecord } from './wire-onboard.js';
import { type AwsKmsRecord, parseAwsKmsRecord } from './wire.js';

/** AWS_KMS_PATH is the collection path of the aws-kms resource. */
export const AWS_KMS_PATH = '/api/security/aws-kms';

/** AWS_KMS is the aws-kms key-manager family. */
export const AWS_KMS: KeyManagerFamily<AwsKmsRecord> = {
  noun: 'aws-kms',
  path: AWS_KMS_PATH,
  parse: parseAwsKmsRecord,
  writeOnly: ['secret_access_key', 'proxy_password'],
};

/** AZURE_KEY_VAULT is the azure-key-vaults key-manager family (rekey-external takes `{key_id}`). */
export const AZURE_KEY_VAULT: KeyManagerFamily<AzureKeyVaultRecord> = {
  noun: 'azure-key-vault',
  path: '/api/security/azure-key-vaults',
  parse: parseAzureKeyVaultRecord,
  writeOnly: ['client_secret', 'client_certificate', 'proxy_password'],
};

/** GCP_KMS is the gcp-kms key-manager family (rekey-external takes `{key_name, ...}`). */
export const GCP_KMS: KeyManagerFamily<GcpKmsRecord> = {
  noun: 'gcp-kms',
  path: '/api/security/gcp-kms',
  parse: parseGcpKmsRecord,
  writeOnly: ['application_credentials', 'proxy_password'],
};

/**
 * ONBOARD_KEY_MANAGER is `/api/security/key-managers` as the Onboard Key Manager: the collection
 * also lists external (KMIP) key managers, so every read of it asks for `onboard.enabled=true`.
 * ONTAP has no `rekey-external`, `rekey-internal` or `restore` on it.
 */
export const ONBOARD_KEY_MANAGER: KeyManagerFamily<OnboardKeyManagerRecord> = {
  noun: 'onboard key manager',
  path: '/api/security/key-managers',
  parse: parseOnboardKeyManagerRecord,
  writeOnly: ['passphrase', 'existing_passphrase'],
  filters: { 'onboard.enabled': 'true' },
  actions: [],
};

/**
 * KMIP is `/api/security/key-managers` as an external key manager on KMIP key servers: read with
 * `external.servers.server=*` (an external key manager has at least one primary server), so the
 * Onboard Key Manager in the same collection is not seen. The certificates it references and its
 * key servers are written beside it (wire-kmip.ts). Key server passwords and certificates'
 * private keys are write-only.
 */
export const KMIP: KeyManagerFamily<KmipRecord> = {
  noun: 'external key manager',
  path: '/api/security/key-managers',
  parse: parseKmipRecord,
  writeOnly: ['password', 'private_key'],
  filters: { 'external.servers.server': '*' },
  actions: [],
};

/** KEY_MANAGER_FAMILIES is every family; the log redaction covers each one's write-only fields. */
export const KEY_MANAGER_FAMILIES: readonly KeyManagerFamily<KeyManagerRecord>[] = [AWS_KMS, AZURE_KEY_VAULT, GCP_KMS, ONBOARD_KEY_MANAGER, KMIP];
