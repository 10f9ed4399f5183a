/**
 * The OntapAzureKeyVault schema: spec (the desired Azure Key Vault configuration, ONTAP's
 * /api/security/azure-key-vaults) and status (ONTAP's record, how the last reconcile went).
 * Each field's description says what ONTAP calls it and how it reaches ONTAP: create-only
 * (POST only, so immutable here), PATCHable, PATCH-only, or re-keyed (rekey-external).
 */
import { Defaults, Limits } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { bool, immutable, matches, str } from './schema-builders.js';
import { keyManagerSpec, keyManagerStatus, optionalName, port, proxy, reachability, secretKeyRef, verifyFlag } from './schema-key-manager.js';

/** GUID is an Azure (Entra ID) object id: 8-4-4-4-12 hex digits. */
const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** HTTPS_HOST is https:// and a host name, an optional port; no user info, query or fragment. */
const HTTPS_HOST = 'https://[a-zA-Z0-9.-]+(:[0-9]{1,5})?';
/** Azure key names are 1..127 letters, digits and '-'; a key version is 32 hex digits. */
const AZURE_KEY_ID = `^${HTTPS_HOST}/keys/[a-zA-Z0-9-]{1,127}(/[0-9a-fA-F]{32})?$`;
const VAULT_URL = `^${HTTPS_HOST}/?$`;
const GUID_LENGTH = 36;

/** guid is a required Azure id that ONTAP holds as `ontap` and accepts in a PATCH. */
const guid = (field: string, ontap: string, description: string): JSONSchema =>
  str(`${description} A GUID (8-4-4-4-12 hex digits, ${GUID_LENGTH} characters), as Azure issues it. PATCHable (ONTAP ${ontap}): a change is sent to ONTAP.`, {
    minLength: GUID_LENGTH,
    maxLength: GUID_LENGTH,
    'x-kubernetes-validations': [matches(field, GUID, 'a GUID such as aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')],
  });

/** credential is one of the two ways the Azure application proves its identity; `ontap` is ONTAP's field and the default Secret key. */
const credential = (field: string, what: string, ontap: string, form = ''): JSONSchema =>
  secretKeyRef(
    `${field} names the Secret key holding the ${what}${form}; the Secret must be of type ${ontap === 'client_secret' ? 'Opaque' : 'Opaque or kubernetes.io/tls'} (any other type is SecretInvalid and nothing of it is read). Write-only on ONTAP (${ontap}), PATCHable: sent on create, when the Secret changes and on adoption. Exactly one of clientSecretRef and clientCertificateRef must be set; switching from one to the other is a PATCH.`,
    what,
    ontap,
  );

/** ontapAzureKeyVaultSpec is the OntapAzureKeyVault spec schema. */
export const ontapAzureKeyVaultSpec: JSONSchema = keyManagerSpec(
  'OntapAzureKeyVaultSpec is the desired Azure Key Vault (AKV) key-manager configuration of one SVM.',
  {
    fields: {
      clientId: guid('clientId', 'client_id', 'ClientID is the application (client) ID of the Azure application with access to the key vault.'),
      tenantId: guid('tenantId', 'tenant_id', 'TenantID is the directory (tenant) ID of the Azure application.'),
      keyId: str(
        `KeyID is the key identifier of the AKV key encryption key (ONTAP key_id): https://<vault host>/keys/<key name>[/<32-hex-digit version>], e.g. https://kv1.vault.azure.net/keys/key1/a8e619fd8f234db3b0b95c59540e2a74, at most ${Limits.maxAzureKeyIdLength} characters. Set on create; a later change re-keys through rekey-external.`,
        {
          minLength: 1,
          maxLength: Limits.maxAzureKeyIdLength,
          'x-kubernetes-validations': [matches('keyId', AZURE_KEY_ID, 'an AKV key identifier: https://<vault host>/keys/<key name>[/<version>]')],
        },
      ),
      vaultName: str(
        `VaultName is the URL of the deployed key vault ONTAP stores keys in (ONTAP name), e.g. https://kv1.vault.azure.net/, at most ${Limits.maxAzureVaultNameLength} characters. Create-only on ONTAP (no PATCH), so immutable here: a new vault means a new resource.`,
        {
          minLength: 1,
          maxLength: Limits.maxAzureVaultNameLength,
          'x-kubernetes-validations': [matches('vaultName', VAULT_URL, 'the vault URL https://<vault host>/'), immutable('vaultName')],
        },
      ),
      clientSecretRef: credential('ClientSecretRef', 'client secret', Defaults.clientSecretKey),
      clientCertificateRef: credential('ClientCertificateRef', 'PKCS#12 client certificate', Defaults.clientCertificateKey, ' as ONTAP takes it: base64 text'),
      oauthHost: optionalName('OAuthHost is the open authorization server host name (ONTAP oauth_host), e.g. login.microsoftonline.com. PATCHable'),
      vaultHost: optionalName('VaultHost is the AKV host subdomain (ONTAP vault_host), e.g. vault.azure.net. PATCHable'),
      port: port('Port is the authorization server and vault port (ONTAP port), PATCHable'),
      proxy: proxy('Azure Key Vault (ONTAP proxy_type, proxy_host, proxy_port, proxy_username, proxy_password; all PATCHable)'),
      verifyHost: verifyFlag('VerifyHost makes ONTAP verify the identity of the AKV host name (ONTAP verify_host). PATCH-only on ONTAP: applied right after create.'),
      verifyIp: verifyFlag('VerifyIp makes ONTAP verify the identity of the AKV IP address (ONTAP verify_ip). PATCH-only on ONTAP: applied right after create.'),
      skipVerification: bool(
        'SkipVerification makes ONTAP skip checking updated credentials against Azure (ONTAP skip_verification, default false). Sent only together with the credentials.',
      ),
    },
    required: ['clientId', 'tenantId', 'keyId', 'vaultName'],
    rules: [
      {
        rule: 'has(self.clientSecretRef) != has(self.clientCertificateRef)',
        message: 'exactly one of clientSecretRef and clientCertificateRef must be set',
      },
    ],
  },
);

/** ontapAzureKeyVaultStatus is the OntapAzureKeyVault status schema. */
export const ontapAzureKeyVaultStatus: JSONSchema = keyManagerStatus(
  'OntapAzureKeyVaultStatus reports the ONTAP record and how the last reconcile went.',
  {
    record: 'azure-key-vaults',
    service: 'Azure Key Vault',
    keys: {
      keyId: str('KeyID as ONTAP reports it.'),
      vaultName: str('VaultName as ONTAP reports it (name).'),
      authenticationMethod: str('AuthenticationMethod as ONTAP reports it: client_secret or certificate.'),
    },
    reachability: { azureReachability: reachability('AzureReachability says whether Azure Key Vault is reachable from all nodes') },
    conditions: 'Ready, Synced, AzureReachable, EkmipReachable',
  },
);
