/**
 * The OntapGcpKms schema: spec (the desired Google Cloud KMS configuration, ONTAP's
 * /api/security/gcp-kms) and status (ONTAP's record, how the last reconcile went). Each field's
 * description says what ONTAP calls it and how it reaches ONTAP: PATCHable, or re-keyed
 * (rekey-external). caller_account is read-only on ONTAP, so it is in the status only.
 */
import { Defaults, Limits } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { matches, str } from './schema-builders.js';
import { keyManagerSpec, keyManagerStatus, optionalName, port, proxy, reachability, secretKeyRef, verifyFlag } from './schema-key-manager.js';

/** REKEY says how a change of one of the four names that locate the key reaches ONTAP. */
const REKEY =
  'Set on create; a later change of projectId, keyRingName, keyRingLocation or keyName re-keys through rekey-external (ONTAP takes no PATCH of them).';

/** Google: 6..30 of [a-z0-9-], starting with a letter and not ending with '-'; optionally domain-scoped (example.com:proj). */
const PROJECT_ID = '^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$';
/** Cloud KMS: a key ring or key id is 1..63 of [a-zA-Z0-9_-]. */
const RESOURCE_ID = '^[a-zA-Z0-9_-]+$';
const LOCATION = '^[a-z0-9-]+$';
const EMAIL = '^[^@ ]+@[^@ ]+$';
const AUTH_METHODS = ['application_credentials_key', 'sa_credentials_attachment'];

/** resourceId is a Cloud KMS key ring or key id, one of the four names that locate the key. */
const resourceId = (field: string, what: string, description: string): JSONSchema =>
  str(`${description}, 1..${Limits.maxGcpResourceIdLength} letters, digits, '_' and '-' (Cloud KMS's rule). ${REKEY}`, {
    minLength: 1,
    maxLength: Limits.maxGcpResourceIdLength,
    'x-kubernetes-validations': [matches(field, RESOURCE_ID, `a Cloud KMS ${what} id: letters, digits, '_' and '-'`)],
  });

/** url is an optional http(s) URL ONTAP calls. */
const url = (field: string, description: string): JSONSchema =>
  str(`${description}, an http:// or https:// URL of at most ${Limits.maxUrlLength} characters. PATCHable. Unset: not managed.`, {
    maxLength: Limits.maxUrlLength,
    'x-kubernetes-validations': [
      { rule: "(self.startsWith('https://') || self.startsWith('http://')) && isURL(self)", message: `${field} must be an http:// or https:// URL` },
    ],
  });

/** ontapGcpKmsSpec is the OntapGcpKms spec schema. */
export const ontapGcpKmsSpec: JSONSchema = keyManagerSpec('OntapGcpKmsSpec is the desired Google Cloud KMS key-manager configuration of one SVM.', {
  fields: {
    projectId: str(
      `ProjectID is the Google Cloud project (application) ID with access to the KMS (ONTAP project_id): 6..30 lower-case letters, digits and '-', starting with a letter, optionally domain-scoped (example.com:my-project), at most ${Limits.maxGcpProjectIdLength} characters. ${REKEY}`,
      {
        minLength: 6,
        maxLength: Limits.maxGcpProjectIdLength,
        'x-kubernetes-validations': [matches('projectId', PROJECT_ID, "a Google Cloud project ID: 6..30 of a-z, 0-9 and '-', starting with a letter")],
      },
    ),
    keyRingName: resourceId('keyRingName', 'key ring', 'KeyRingName is the Cloud KMS key ring (ONTAP key_ring_name)'),
    keyRingLocation: str(
      `KeyRingLocation is the Cloud KMS location of the key ring (ONTAP key_ring_location), e.g. global or us-east1: lower-case letters, digits and '-', at most ${Limits.maxGcpLocationLength} characters. ${REKEY}`,
      {
        minLength: 1,
        maxLength: Limits.maxGcpLocationLength,
        'x-kubernetes-validations': [matches('keyRingLocation', LOCATION, "a Cloud KMS location such as global or us-east1: a-z, 0-9 and '-'")],
      },
    ),
    keyName: resourceId('keyName', 'key', 'KeyName is the Cloud KMS key encryption key (ONTAP key_name)'),
    applicationCredentialsSecretRef: secretKeyRef(
      "ApplicationCredentialsSecretRef names the Secret key holding the service account's JSON key (with client_email and private_key); the Secret must be of type Opaque (any other type is SecretInvalid and nothing of it is read). Write-only on ONTAP (application_credentials), PATCHable: sent on create, when the Secret changes and on adoption. Required unless authenticationMethod is sa_credentials_attachment, and refused with it.",
      'service account JSON key',
      Defaults.applicationCredentialsKey,
    ),
    authenticationMethod: str(
      "AuthenticationMethod is how ONTAP gets its tokens (ONTAP authentication_method): application_credentials_key (the service account key in applicationCredentialsSecretRef; ONTAP's default) or sa_credentials_attachment (the service account attached to the VM ONTAP runs on). PATCHable. Unset: not managed.",
      { enum: AUTH_METHODS },
    ),
    gceMetadataServer: url(
      'gceMetadataServer',
      'GCEMetadataServer is a custom metadata server URL for short-lived tokens when the default service account is not used (ONTAP gce_metadata_server); only with authenticationMethod sa_credentials_attachment',
    ),
    privilegedAccount: str(
      `PrivilegedAccount is the Google Cloud account ONTAP impersonates for KMS requests (ONTAP privileged_account), e.g. kms@my-project.iam.gserviceaccount.com: an e-mail address of at most ${Limits.maxEmailLength} characters. PATCHable. Unset: not managed.`,
      { maxLength: Limits.maxEmailLength, 'x-kubernetes-validations': [matches('privilegedAccount', EMAIL, 'an e-mail address such as kms@my-project.iam.gserviceaccount.com')] },
    ),
    cloudkmsHost: optionalName('CloudKMSHost is the Google Cloud KMS host subdomain (ONTAP cloudkms_host), e.g. cloudkms.googleapis.com. PATCHable'),
    oauthHost: optionalName('OAuthHost is the open authorization server host name (ONTAP oauth_host), e.g. oauth2.googleapis.com. PATCHable'),
    oauthUrl: url('oauthUrl', 'OAuthURL is the open authorization URL for the access token (ONTAP oauth_url), e.g. https://oauth2.googleapis.com/token'),
    port: port('Port is the authorization server and Google Cloud KMS port (ONTAP port), PATCHable'),
    proxy: proxy('Google Cloud KMS (ONTAP proxy_type, proxy_host, proxy_port, proxy_username, proxy_password; all PATCHable)'),
    verifyHost: verifyFlag('VerifyHost makes ONTAP verify the identity of the Google Cloud KMS host name (ONTAP verify_host). Sent on create, PATCHable.'),
    verifyIp: verifyFlag('VerifyIp makes ONTAP verify the identity of the Google Cloud KMS IP address (ONTAP verify_ip). Sent on create, PATCHable.'),
  },
  required: ['projectId', 'keyRingName', 'keyRingLocation', 'keyName'],
  rules: [
    {
      rule: "has(self.applicationCredentialsSecretRef) == (!has(self.authenticationMethod) || self.authenticationMethod == 'application_credentials_key')",
      message: 'applicationCredentialsSecretRef is required with authenticationMethod application_credentials_key (the default) and refused with sa_credentials_attachment',
      fieldPath: '.applicationCredentialsSecretRef',
    },
    {
      rule: "!has(self.gceMetadataServer) || (has(self.authenticationMethod) && self.authenticationMethod == 'sa_credentials_attachment')",
      message: 'gceMetadataServer is used only with authenticationMethod sa_credentials_attachment',
      fieldPath: '.gceMetadataServer',
    },
  ],
});

/** ontapGcpKmsStatus is the OntapGcpKms status schema. */
export const ontapGcpKmsStatus: JSONSchema = keyManagerStatus('OntapGcpKmsStatus reports the ONTAP record and how the last reconcile went.', {
  record: 'gcp-kms',
  service: 'Google Cloud KMS',
  keys: {
    projectId: str('ProjectID as ONTAP reports it.'),
    keyRingName: str('KeyRingName as ONTAP reports it.'),
    keyRingLocation: str('KeyRingLocation as ONTAP reports it.'),
    keyName: str('KeyName as ONTAP reports it.'),
    callerAccount: str("CallerAccount is ONTAP's read-only caller_account: the account ONTAP calls Google Cloud KMS as."),
  },
  reachability: { googleReachability: reachability('GoogleReachability says whether Google Cloud KMS is reachable from all nodes') },
  conditions: 'Ready, Synced, GoogleReachable, EkmipReachable',
});
