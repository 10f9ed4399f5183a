/**
 * The Secrets an OntapAwsKms references (the AWS access key pair, the proxy password), read and
 * validated with the shared readers of ../secrets.ts before anything is sent to ONTAP.
 */
import type { OntapAwsKmsSpec } from '../../api/v1alpha1/types.js';
import { mustGet, readKey, type SecretReader } from '../secrets.js';

/** ResolvedSecrets are the values an OntapAwsKms sends, with the Secret versions they came from. */
export interface ResolvedSecrets {
  readonly aws: { name: string; resourceVersion: string; keys: readonly string[]; accessKeyId: string; secretAccessKey: string };
  readonly proxyPassword?: { name: string; resourceVersion: string; key: string; value: string };
}

/** resolveSecrets reads and validates every Secret the spec references. */
export async function resolveSecrets(reader: SecretReader, namespace: string, spec: OntapAwsKmsSpec): Promise<ResolvedSecrets> {
  const ref = spec.credentialsSecretRef;
  const aws = await mustGet(reader, namespace, ref.name);
  const resolved: ResolvedSecrets = {
    aws: {
      name: aws.name,
      resourceVersion: aws.resourceVersion,
      keys: [ref.accessKeyIdKey, ref.secretAccessKeyKey],
      accessKeyId: readKey(aws, namespace, ref.accessKeyIdKey),
      secretAccessKey: readKey(aws, namespace, ref.secretAccessKeyKey),
    },
  };
  const proxyRef = spec.proxy?.passwordSecretRef;
  if (!proxyRef) return resolved;
  const proxy = proxyRef.name === aws.name ? aws : await mustGet(reader, namespace, proxyRef.name);
  return {
    ...resolved,
    proxyPassword: { name: proxy.name, resourceVersion: proxy.resourceVersion, key: proxyRef.key, value: readKey(proxy, namespace, proxyRef.key) },
  };
}
