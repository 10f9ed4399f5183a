/** The OntapCluster schema: spec (how to reach a cluster) and status (what the probe saw). */
import { Defaults, Limits } from './constants.js';
import { keyManagerKindList } from './kinds.js';
import type { JSONSchema } from './schema-builders.js';
import { arr, bool, conditionsSchema, generation, int, name, obj, secretKey, str } from './schema-builders.js';

/** ontapClusterSpec is the OntapCluster spec schema. */
export const ontapClusterSpec: JSONSchema = obj(
  'OntapClusterSpec says how to reach one ONTAP cluster\'s management REST API.',
  {
    endpoint: str(
      `Endpoint is the cluster management LIF as https://host[:port], e.g. https://10.0.0.10 or https://[fd20::10]:8443; a port must be ${Limits.minPort}..${Limits.maxPort}. Plain http is refused, and so are a path (a trailing / aside), a query, a fragment and user info: the operator always calls the cluster's /api and would drop them. At most ${Limits.maxEndpointLength} characters.`,
      {
        minLength: 9,
        maxLength: Limits.maxEndpointLength,
        // Each rule guards on the ones before it (a CEL error would hide the real message), so
        // every broken part of an endpoint is named, and nothing the transport would silently
        // drop or fail on for ever ("Invalid URL" for port 99999) gets through. The port rule
        // tests size() rather than matches(): the API server cannot bound getPort()'s length,
        // so a regex on it is priced beyond the CRD's CEL budget; isURL already means digits.
        'x-kubernetes-validations': [
          {
            rule: "self.startsWith('https://') && isURL(self)",
            message: 'endpoint must be an https:// URL',
          },
          {
            rule: "!self.startsWith('https://') || self.matches('^https://[^/?#@]+/?$')",
            message: 'endpoint must be https://host[:port]: no path, query, fragment or user info',
          },
          {
            rule: "!isURL(self) || url(self).getHostname() != ''",
            message: 'endpoint must name a host',
          },
          {
            rule: `!isURL(self) || url(self).getPort() == '' || (url(self).getPort().size() <= 5 && int(url(self).getPort()) >= ${Limits.minPort} && int(url(self).getPort()) <= ${Limits.maxPort})`,
            message: `endpoint port must be ${Limits.minPort}..${Limits.maxPort}`,
          },
        ],
      },
    ),
    credentialsSecretRef: obj(
      'CredentialsSecretRef names a kubernetes.io/basic-auth (or Opaque) Secret (keys username and password) of an ONTAP user; a Secret of any other type is SecretInvalid and nothing of it is read. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('basic-auth Secret') },
      { required: ['name'] },
    ),
    clientCertificateSecretRef: obj(
      'ClientCertificateSecretRef names a kubernetes.io/tls (or Opaque) Secret (keys tls.crt and tls.key) for certificate authentication; a Secret of any other type is SecretInvalid. Exactly one of credentialsSecretRef and clientCertificateSecretRef must be set.',
      { name: name('kubernetes.io/tls Secret') },
      { required: ['name'] },
    ),
    caBundleSecretRef: obj(
      'CABundleSecretRef names a Secret key (type Opaque or kubernetes.io/tls) holding the PEM CA bundle that signed the cluster\'s certificate. Unset: the system roots.',
      {
        name: name('Secret holding the CA bundle'),
        key: secretKey('Key of the PEM bundle in the Secret.', { default: Defaults.caBundleKey }),
      },
      { required: ['name'] },
    ),
    insecureSkipTLSVerify: bool(
      'InsecureSkipTLSVerify turns off verification of the cluster\'s TLS certificate. For labs only; the Ready condition says when it is on.',
      { default: false },
    ),
    requestTimeoutSeconds: int(
      `RequestTimeoutSeconds bounds each REST call to the cluster: 1..${Limits.maxTenantRequestTimeoutSeconds} seconds. Each call holds one of the operator's workers, which every namespace shares, so a namespace's own cluster may make one wait at most this long; a ClusterOntapCluster, the platform team's, may set up to ${Limits.maxRequestTimeoutSeconds}.`,
      { default: Defaults.requestTimeoutSeconds, minimum: 1, maximum: Limits.maxTenantRequestTimeoutSeconds },
    ),
    maxConcurrentRequests: int(
      `MaxConcurrentRequests is the most REST calls the operator keeps in flight to this cluster: ${Limits.minMaxConcurrentRequests}..${Limits.maxMaxConcurrentRequests}.`,
      { default: Defaults.maxConcurrentRequests, minimum: Limits.minMaxConcurrentRequests, maximum: Limits.maxMaxConcurrentRequests },
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
  observedGeneration: generation('ObservedGeneration is the spec generation this status was computed for.'),
  clusterName: str('ClusterName is the name ONTAP reports in GET /api/cluster.'),
  clusterUUID: str('ClusterUUID is the uuid ONTAP reports in GET /api/cluster.'),
  version: str('Version is ONTAP\'s generation.major.minor, e.g. 9.15.1.'),
  conditions: conditionsSchema('Conditions: Ready says whether the cluster answered with these settings.'),
});


const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

/** labelSelector is a metav1.LabelSelector. */
const labelSelector = (description: string): JSONSchema =>
  obj(description, {
    matchLabels: {
      type: 'object',
      description: 'MatchLabels: every label listed must be present on the namespace with this value.',
      additionalProperties: { type: 'string' },
    },
    matchExpressions: arr(
      'MatchExpressions: every requirement must hold.',
      obj(
        'A label requirement.',
        {
          key: str('Key of the label.', { minLength: 1, maxLength: 317 }),
          operator: str('Operator: In, NotIn, Exists or DoesNotExist.', { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
          values: arr('Values for In and NotIn; empty for Exists and DoesNotExist.', str('A label value.', { maxLength: 63 }), { maxItems: 256 }),
        },
        { required: ['key', 'operator'] },
      ),
      { maxItems: 32 },
    ),
  });

/** tenancySchema is a ClusterOntapCluster's tenancy policy. */
const tenancySchema: JSONSchema = obj(
  `Tenancy says which namespaces may reference this ClusterOntapCluster from a key manager (${keyManagerKindList(', ')}), and which SVMs each may manage. A reference it does not allow gets Synced=False with reason NotPermitted and nothing is sent to ONTAP. A namespace may manage an SVM only when the namespace matches namespaceSelector and the SVM is granted to it, in svms or in its svmsAnnotation. The cluster scope (a key manager without svm) is never allowed through a ClusterOntapCluster: use an OntapCluster in the platform namespace for it.`,
  {
    namespaceSelector: labelSelector('NamespaceSelector selects the namespaces that may reference this cluster, by their labels; {} selects every namespace. Only who may label namespaces (the platform team) should decide these labels.'),
    svms: arr(
      'SVMs grants SVMs to namespaces by name.',
      obj(
        'A grant of SVMs to one namespace.',
        {
          namespace: str('Namespace that may manage the SVMs.', { minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
          names: arr(`Names of the SVMs, each at most ${Limits.maxSvmNameLength} characters.`, str('An SVM name.', { minLength: 1, maxLength: Limits.maxSvmNameLength }), { maxItems: 1024 }),
        },
        { required: ['namespace', 'names'] },
      ),
      { maxItems: 4096 },
    ),
    svmsAnnotation: str(
      'SVMsAnnotation names an annotation of the namespace that lists more SVMs (comma-separated) that namespace may manage, e.g. kms.ontap.dev/svms. Only who may annotate namespaces (the platform team) should be able to set it. Unset: only svms grants.',
      { minLength: 1, maxLength: 317, pattern: LABEL_KEY },
    ),
  },
  { required: ['namespaceSelector'] },
);

/** clusterOntapClusterSpec is the ClusterOntapCluster spec schema: an OntapCluster spec plus tenancy. */
export const clusterOntapClusterSpec: JSONSchema = {
  ...ontapClusterSpec,
  description:
    `ClusterOntapClusterSpec says how to reach one ONTAP cluster, for the key managers (${keyManagerKindList(', ')}) of any namespace its tenancy policy allows. Its Secrets (credentialsSecretRef, clientCertificateSecretRef, caBundleSecretRef) live in the operator's cluster resource namespace (--cluster-resource-namespace, the chart's release namespace), like cert-manager's ClusterIssuer.`,
  properties: {
    ...ontapClusterSpec.properties,
    // The platform team's cluster keeps ONTAP's own bound; a namespace's OntapCluster has a lower one.
    requestTimeoutSeconds: int(
      `RequestTimeoutSeconds bounds each REST call to the cluster: 1..${Limits.maxRequestTimeoutSeconds} seconds. ONTAP's own return_timeout stops at 120, and a cluster that does not answer must not hold a worker for longer. (A namespace's own OntapCluster may set at most ${Limits.maxTenantRequestTimeoutSeconds}.)`,
      { default: Defaults.requestTimeoutSeconds, minimum: 1, maximum: Limits.maxRequestTimeoutSeconds },
    ),
    tenancy: tenancySchema,
  },
  required: ['endpoint', 'tenancy'],
};
