/**
 * The cloud key-manager records as the simulated cluster keeps them, write-only values included:
 * one type per family (aws-kms, azure-key-vaults, gcp-kms).
 */
import type { StoredKeyManager } from './key-manager-family.js';

/** StoredAwsKms is an aws-kms record as the cluster keeps it, write-only values included. */
export interface StoredAwsKms extends StoredKeyManager {
  key_id: string;
  region: string;
  access_key_id: string;
  secret_access_key: string;
  service: string;
  default_domain: string;
  host: string;
  port: number;
  proxy_type?: string;
  proxy_host?: string;
  proxy_port?: number;
  proxy_username?: string;
  proxy_password?: string;
  polling_period: number;
  encryption_context?: string;
  timeout: number;
  verify: boolean;
  verify_host: boolean;
  verify_ip: boolean;
  skip_verify: boolean;
}

/** ProxySettings are the proxy members every family has; proxy_password is write-only. */
export interface ProxySettings {
  proxy_type?: string;
  proxy_host?: string;
  proxy_port?: number;
  proxy_username?: string;
  proxy_password?: string;
}

/** StoredAzureKeyVault is an azure-key-vaults record; client_secret and client_certificate are write-only. */
export interface StoredAzureKeyVault extends StoredKeyManager, ProxySettings {
  configuration: { readonly name: string; readonly uuid: string };
  authentication_method: 'client_secret' | 'certificate';
  client_id: string;
  tenant_id: string;
  name: string;
  key_id: string;
  client_secret?: string;
  client_certificate?: string;
  oauth_host: string;
  vault_host: string;
  port: number;
  skip_verification: boolean;
  verify_host: boolean;
  verify_ip: boolean;
}

/** StoredGcpKms is a gcp-kms record; application_credentials is write-only. */
export interface StoredGcpKms extends StoredKeyManager, ProxySettings {
  project_id: string;
  key_ring_name: string;
  key_ring_location: string;
  key_name: string;
  authentication_method: 'application_credentials_key' | 'sa_credentials_attachment';
  application_credentials?: string;
  /** caller_account is the client_email of the application credentials, as ONTAP reports it. */
  caller_account?: string;
  privileged_account?: string;
  gce_metadata_server?: string;
  cloudkms_host: string;
  oauth_host: string;
  oauth_url: string;
  port: number;
  verify_host: boolean;
  verify_ip: boolean;
}
