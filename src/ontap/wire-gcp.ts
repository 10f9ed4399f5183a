/**
 * Wire types of `/api/security/gcp-kms` (Google Cloud KMS): the record as GET returns it, its
 * parser, and the POST, PATCH and rekey-external bodies. Fields, required POST properties and
 * PATCHable properties follow ONTAP's reference (netapp_ontap resources/gcp_kms.py).
 */
import { asObject, type Mutable, optEnum, optObject, put, scalars } from '../json/read.js';
import type { ProxySettingsBody, SvmSelector } from './request-bodies.js';
import { type KeyManagerIdentity, type KeyManagerStatus, parseReachability, readIdentity, readStatus, type Reachability } from './wire-key-manager.js';

/** GcpAuthenticationMethod: a service account key (application_credentials) or the attached service account. */
export type GcpAuthenticationMethod = 'application_credentials_key' | 'sa_credentials_attachment';

/**
 * GcpKmsRecord is one record as GET returns it; every member is optional because ONTAP returns
 * only the fields asked for. application_credentials and proxy_password are write-only.
 */
export interface GcpKmsRecord extends KeyManagerIdentity, KeyManagerStatus, Omit<GcpKmsSettings, WriteOnly> {
  readonly project_id?: string;
  readonly key_ring_name?: string;
  readonly key_ring_location?: string;
  readonly key_name?: string;
  /** caller_account is the client_email of the application credentials. */
  readonly caller_account?: string;
  /** google_reachability is advanced: returned only when named in `fields`. */
  readonly google_reachability?: Reachability;
}

/** WriteOnly are the settings ONTAP takes but never returns. */
type WriteOnly = 'application_credentials' | 'proxy_password';

/** parseGcpKmsRecord validates one gcp-kms record. */
export function parseGcpKmsRecord(v: unknown, path = 'record'): GcpKmsRecord {
  const o = asObject(v, path);
  const r: Mutable<GcpKmsRecord> = {};
  readIdentity(o, path, r);
  scalars(
    o,
    path,
    {
      strings: [
        'project_id', 'key_ring_name', 'key_ring_location', 'key_name', 'caller_account', 'privileged_account', 'gce_metadata_server',
        'cloudkms_host', 'oauth_host', 'oauth_url', 'proxy_type', 'proxy_host', 'proxy_username',
      ],
      numbers: ['port', 'proxy_port'],
      booleans: ['verify_host', 'verify_ip'],
    },
    r,
  );
  put(r, 'authentication_method', optEnum(o, 'authentication_method', path, ['application_credentials_key', 'sa_credentials_attachment'] as const));
  readStatus(o, path, r);
  put(r, 'google_reachability', optObject(o, 'google_reachability', path, parseReachability));
  return r;
}

/** GcpKmsSettings are the settings both POST and PATCH accept. */
export interface GcpKmsSettings extends ProxySettingsBody {
  /** application_credentials is the write-only service account JSON (client_email, private_key). */
  readonly application_credentials?: string;
  /** @default 'application_credentials_key' */
  readonly authentication_method?: GcpAuthenticationMethod;
  readonly privileged_account?: string;
  readonly gce_metadata_server?: string;
  readonly cloudkms_host?: string;
  readonly oauth_host?: string;
  readonly oauth_url?: string;
  readonly port?: number;
  readonly verify_host?: boolean;
  readonly verify_ip?: boolean;
}

/**
 * GcpKmsCreateBody is the POST body: project_id, key_ring_name, key_ring_location and key_name
 * are required and create-only (rekey-external moves the key); application_credentials is
 * required unless authentication_method is sa_credentials_attachment.
 */
export interface GcpKmsCreateBody extends GcpKmsSettings {
  readonly svm?: SvmSelector;
  readonly project_id: string;
  readonly key_ring_name: string;
  readonly key_ring_location: string;
  readonly key_name: string;
}

/** GcpKmsPatchBody is the PATCH body: the settings only. */
export type GcpKmsPatchBody = GcpKmsSettings;

/** GcpKmsRekeyExternalBody is rekey-external's body: the new key, optionally in another key ring or project. */
export interface GcpKmsRekeyExternalBody {
  readonly key_name: string;
  readonly project_id?: string;
  readonly key_ring_name?: string;
  readonly key_ring_location?: string;
}
