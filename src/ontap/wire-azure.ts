/**
 * Wire types of `/api/security/azure-key-vaults` (Azure Key Vault, AKV): the record as GET
 * returns it, its parser, and the POST and PATCH bodies. Fields, required POST properties and
 * PATCHable properties follow ONTAP's reference (netapp_ontap resources/azure_key_vault.py).
 */
import { asObject, type Mutable, optEnum, optObject, optString, put, scalars } from '../json/read.js';
import type { ProxySettingsBody, SvmSelector } from './request-bodies.js';
import { type KeyManagerIdentity, type KeyManagerStatus, parseReachability, readIdentity, readStatus, type Reachability } from './wire-key-manager.js';

/** AzureAuthenticationMethod is how ONTAP proves its identity to the vault. */
export type AzureAuthenticationMethod = 'client_secret' | 'certificate';

/**
 * AzureKeyVaultRecord is one record as GET returns it; every member is optional because ONTAP
 * returns only the fields asked for. client_secret, client_certificate and proxy_password are
 * write-only and never returned.
 */
export interface AzureKeyVaultRecord extends KeyManagerIdentity, KeyManagerStatus, Omit<AzureKeyVaultPatchBody, WriteOnly> {
  /** enabled is false for a configuration created with `create_inactive=true`. */
  readonly enabled?: boolean;
  readonly configuration?: { readonly name?: string; readonly uuid?: string };
  readonly authentication_method?: AzureAuthenticationMethod;
  /** name is the vault's URL, e.g. `https://myvault.vault.azure.net/`. */
  readonly name?: string;
  readonly key_id?: string;
  /** azure_reachability is advanced: returned only when named in `fields`. */
  readonly azure_reachability?: Reachability;
}

/** WriteOnly are the settings ONTAP takes but never returns. */
type WriteOnly = 'client_secret' | 'client_certificate' | 'proxy_password';

/** parseAzureKeyVaultRecord validates one azure-key-vaults record. */
export function parseAzureKeyVaultRecord(v: unknown, path = 'record'): AzureKeyVaultRecord {
  const o = asObject(v, path);
  const r: Mutable<AzureKeyVaultRecord> = {};
  readIdentity(o, path, r);
  scalars(
    o,
    path,
    {
      strings: ['client_id', 'tenant_id', 'name', 'key_id', 'oauth_host', 'vault_host', 'proxy_type', 'proxy_host', 'proxy_username'],
      numbers: ['port', 'proxy_port'],
      booleans: ['enabled', 'skip_verification', 'verify_host', 'verify_ip'],
    },
    r,
  );
  put(r, 'authentication_method', optEnum(o, 'authentication_method', path, ['client_secret', 'certificate'] as const));
  put(r, 'configuration', optObject(o, 'configuration', path, (c, p) => {
    const configuration: { name?: string; uuid?: string } = {};
    put(configuration, 'name', optString(c, 'name', p));
    put(configuration, 'uuid', optString(c, 'uuid', p));
    return configuration;
  }));
  readStatus(o, path, r);
  put(r, 'azure_reachability', optObject(o, 'azure_reachability', path, parseReachability));
  return r;
}

/** AzureKeyVaultSettings are the settings both POST and PATCH accept. */
export interface AzureKeyVaultSettings extends ProxySettingsBody {
  readonly client_id?: string;
  readonly tenant_id?: string;
  /** client_secret is write-only; send it or client_certificate, not both. */
  readonly client_secret?: string;
  /** client_certificate is a write-only PKCS12 certificate, base64. */
  readonly client_certificate?: string;
  readonly oauth_host?: string;
  readonly vault_host?: string;
  readonly port?: number;
  /** skip_verification: do not check the credentials with Azure. @default false */
  readonly skip_verification?: boolean;
}

/**
 * AzureKeyVaultCreateBody is the POST body: svm (absent: cluster scope), client_id, tenant_id,
 * key_id, name and one of client_secret / client_certificate are required. key_id, name and
 * configuration are create-only (key_id changes through rekey-external).
 */
export type AzureKeyVaultCreateBody = AzureKeyVaultSettings & {
  readonly svm?: SvmSelector;
  readonly client_id: string;
  readonly tenant_id: string;
  readonly key_id: string;
  readonly name: string;
  /** configuration names a configuration created with `create_inactive`. */
  readonly configuration?: { readonly name: string };
} & ({ readonly client_secret: string } | { readonly client_certificate: string });

/** AzureKeyVaultPatchBody is the PATCH body: the settings plus the PATCH-only verify flags. */
export interface AzureKeyVaultPatchBody extends AzureKeyVaultSettings {
  readonly verify_host?: boolean;
  readonly verify_ip?: boolean;
}
