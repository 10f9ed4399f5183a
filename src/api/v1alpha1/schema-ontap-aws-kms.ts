/** The OntapAwsKms schema: spec (the desired AWS KMS configuration) and status (ONTAP's record, how the last reconcile went). */
import { Defaults, Limits } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { bool, int, name, obj, secretKey, str } from './schema-builders.js';
import { keyManagerSpec, keyManagerStatus, optionalName, port, proxy, reachability, verifyFlag } from './schema-key-manager.js';

/** ontapAwsKmsSpec is the OntapAwsKms spec schema. */
export const ontapAwsKmsSpec: JSONSchema = keyManagerSpec('OntapAwsKmsSpec is the desired AWS KMS key-manager configuration of one SVM.', {
  fields: {
    keyId: str(
      `KeyID is the AWS KMS key (ARN or id) that wraps the SVM's keys, at most ${Limits.maxKeyIdLength} characters (AWS's limit for a key ARN). Set on create; a later change re-keys through rekey-external.`,
      { minLength: 1, maxLength: Limits.maxKeyIdLength },
    ),
    region: str(
      `Region is the AWS region of the KMS, e.g. us-east-1: lower-case letters, digits and '-', at most ${Limits.maxRegionLength} characters.`,
      { minLength: 1, maxLength: Limits.maxRegionLength, pattern: '^[a-z0-9-]+$' },
    ),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names the Secret (type Opaque; any other type is SecretInvalid and nothing of it is read) with the AWS access key pair. It is sent on create, when the Secret changes, on adoption, and when ONTAP\'s access key id differs from the Secret\'s.',
      {
        name: name('Secret holding the AWS access key pair'),
        accessKeyIdKey: secretKey('Key of the access key id in the Secret.', { default: Defaults.accessKeyIdKey }),
        secretAccessKeyKey: secretKey('Key of the secret access key in the Secret.', { default: Defaults.secretAccessKeyKey }),
      },
      { required: ['name'] },
    ),
    service: optionalName('Service is the AWS service type (ONTAP service)'),
    defaultDomain: optionalName('DefaultDomain is the AWS KMS default domain, e.g. amazonaws.com'),
    host: optionalName('Host is the AWS KMS host name, e.g. kms.us-east-1.amazonaws.com'),
    port: port('Port is the AWS KMS port'),
    proxy: proxy('AWS KMS'),
    pollingPeriodMinutes: int(
      `PollingPeriodMinutes is how often ONTAP polls AWS KMS: 1..${Limits.maxPollingPeriodMinutes} minutes (one day; ONTAP documents no maximum, so this operator sets one). Unset: not managed.`,
      { minimum: 1, maximum: Limits.maxPollingPeriodMinutes },
    ),
    timeoutSeconds: int(
      `TimeoutSeconds is ONTAP's AWS connection timeout: 1..${Limits.maxTimeoutSeconds} seconds (ONTAP documents no maximum and defaults to 10, so this operator sets one). PATCH-only on ONTAP: applied right after create. Unset: not managed.`,
      { minimum: 1, maximum: Limits.maxTimeoutSeconds },
    ),
    verify: verifyFlag('Verify makes ONTAP verify the AWS KMS host.'),
    verifyHost: verifyFlag('VerifyHost makes ONTAP verify the AWS KMS host\'s hostname.'),
    verifyIp: verifyFlag('VerifyIp makes ONTAP verify the AWS KMS host\'s IP address.'),
    encryptionContext: str(
      `EncryptionContext is an additional layer of authentication and logging, e.g. aws:fsx:fs-id=fs-0785c8beceb895999, at most ${Limits.maxEncryptionContextLength} characters. Unset: not managed.`,
      { maxLength: Limits.maxEncryptionContextLength },
    ),
    skipVerify: bool(
      'SkipVerify makes ONTAP skip checking the access key pair against AWS. Sent only together with the credentials.',
    ),
  },
  required: ['keyId', 'region', 'credentialsSecretRef'],
});

/** ontapAwsKmsStatus is the OntapAwsKms status schema. */
export const ontapAwsKmsStatus: JSONSchema = keyManagerStatus('OntapAwsKmsStatus reports the ONTAP record and how the last reconcile went.', {
  record: 'aws-kms',
  service: 'AWS KMS',
  keys: { keyId: str('KeyID as ONTAP reports it.') },
  reachability: { amazonReachability: reachability('AmazonReachability says whether AWS KMS is reachable from all nodes') },
  conditions: 'Ready, Synced, AmazonReachable, EkmipReachable',
});
