/** The OntapCluster schema: spec (how to reach a cluster) and status (what the probe saw). */
import { Defaults } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { bool, conditionsSchema, int, name, obj, str } from './schema-builders.js';

/** ontapClusterSpec is the OntapCluster spec schema. */
export const ontapClusterSpec: JSONSchema = obj(
  'OntapClusterSpec says how to reach one ONTAP cluster\'s management REST API.',
  {
    endpoint: str(
      'Endpoint is the cluster management LIF as an https:// URL, e.g. https://10.0.0.10. Plain http is refused.',
      {
        minLength: 9,
        maxLength: 2048,
        'x-kubernetes-validations': [
          {
            rule: "self.startsWith('https://') && isURL(self)",
            message: 'endpoint must be an https:// URL',
          },
        ],
      },
    ),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names a kubernetes.io/basic-auth Secret (keys username and password) of an ONTAP user. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('basic-auth Secret') },
      { required: ['name'] },
    ),
    clientCertificateSecretRef: obj(
      'ClientCertificateSecretRef names a kubernetes.io/tls Secret (keys tls.crt and tls.key) for certificate authentication. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('kubernetes.io/tls Secret') },
      { required: ['name'] },
    ),
    caBundleSecretRef: obj(
      'CABundleSecretRef names a Secret key holding the PEM CA bundle that signed the cluster\'s certificate. Unset: the system roots.',
      {
        name: name('Secret holding the CA bundle'),
        key: str('Key of the PEM bundle in the Secret.', { default: Defaults.caBundleKey, minLength: 1 }),
      },
      { required: ['name'] },
    ),
    insecureSkipTLSVerify: bool(
      'InsecureSkipTLSVerify turns off verification of the cluster\'s TLS certificate. For labs only; the Ready condition says when it is on.',
      { default: false },
    ),
    requestTimeoutSeconds: int('RequestTimeoutSeconds bounds each REST call to the cluster.', {
      default: Defaults.requestTimeoutSeconds,
      minimum: 1,
      maximum: 600,
    }),
    maxConcurrentRequests: int(
      'MaxConcurrentRequests is the most REST calls the operator keeps in flight to this cluster.',
      { default: Defaults.maxConcurrentRequests, minimum: 1, maximum: 64 },
    ),
  },
  {
    required: ['endpoint'],
    'x-kubernetes-validations': [
      {
        rule: 'has(self.credentialsSecretRef) != has(self.clientCertificateSecretRef)',
        message: 'exactly one of credentialsSecretRef and clientCertificateSecretRef must be set',
      },
    ],
  },
);

/** ontapClusterStatus is the OntapCluster status schema. */
export const ontapClusterStatus: JSONSchema = obj('OntapClusterStatus is what the last connection probe saw.', {
  observedGeneration: int('ObservedGeneration is the spec generation this status was computed for.', {
    minimum: 0,
  }),
  clusterName: str('ClusterName is the name ONTAP reports in GET /api/cluster.'),
  clusterUUID: str('ClusterUUID is the uuid ONTAP reports in GET /api/cluster.'),
  version: str('Version is ONTAP\'s generation.major.minor, e.g. 9.15.1.'),
  conditions: conditionsSchema('Conditions: Ready says whether the cluster answered with these settings.'),
});

