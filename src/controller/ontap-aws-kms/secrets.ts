/**
 * The Secrets an OntapAwsKms references (the AWS access key pair, the proxy password), read and
 * validated with the shared readers of ../secrets.ts before anything is sent to ONTAP.
 */
import type { OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import { cloudCredentials, mustGet, type ProxyPassword, readKey, readProxyPassword, type SecretReader } from '../secrets.js';

/** ResolvedSecrets are the values an OntapAwsKms sends, with the Secret versions they came from. */
export interface ResolvedSecrets {
  readonly aws: { name: string; resourceVersion: string; keys: readonly string[]; accessKeyId: string; secretAccessKey: string };
  readonly proxyPassword?: ProxyPassword;
}

/** resolveSecrets reads and validates every Secret the spec references. */
export async function resolveSecrets(reader: SecretReader, namespace: string, spec: OntapAwsKmsSpec): Promise<ResolvedSecrets> {
  const ref = spec.credentialsSecretRef;
  const aws = await mustGet(reader, namespace, ref.name, cloudCredentials('spec.credentialsSecretRef'));
  const resolved: ResolvedSecrets = {
    aws: {
      name: aws.name,
      resourceVersion: aws.resourceVersion,
      keys: [ref.accessKeyIdKey, ref.secretAccessKeyKey],
      accessKeyId: readKey(aws, namespace, ref.accessKeyIdKey),
      secretAccessKey: readKey(aws, namespace, ref.secretAccessKeyKey),
    },
  };
  const proxyPassword = await readProxyPassword(reader, namespace, spec.proxy?.passwordSecretRef, aws);
  return proxyPassword ? { ...resolved, proxyPassword } : resolved;
}
