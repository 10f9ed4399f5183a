/**
 * The OntapKmip schema: spec (an SVM's external key manager on KMIP key servers, ONTAP's
 * /api/security/key-managers with `external`, its key-servers sub-collection and the
 * certificates it references) and status. Certificates come from Secrets (a kubernetes.io/tls
 * Secret for the client, as cert-manager writes it) and are installed on ONTAP under names the
 * operator derives from the certificate, so a renewed certificate is a new one, switched to
 * before the old one is removed.
 */
import { Defaults, Limits } from './constants.js';
import type { JSONSchema } from './schema-builders.js';
import { arr, bool, int, name, obj, str } from './schema-builders.js';
import { keyManagerSpec, keyManagerStatus, secretKeyRef } from './schema-key-manager.js';

/** MAX_PRIMARY_SERVERS is ONTAP's limit: at most four primary key servers (65536038). */
const MAX_PRIMARY_SERVERS = 4;
/** A host name, an IPv4 address, or an IPv6 address in brackets, as ONTAP takes it in `host:port`. */
const HOST = '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$';

/** server is one primary key server. */
const server: JSONSchema = obj(
  'One primary KMIP key server, identified on ONTAP by host:port (the key-servers sub-collection). Added and removed by difference; its settings are PATCHed when they drift.',
  {
    host: str(`Host is the key server's host name or IP address (an IPv6 address in brackets: [2001:db8::5]), at most ${Limits.maxNameLength} characters.`, {
      minLength: 1,
      maxLength: Limits.maxNameLength,
      pattern: HOST,
    }),
    port: int('Port is the key server\'s KMIP port: 1..65535.', { minimum: 1, maximum: 65535, default: Defaults.kmipPort }),
    timeout: int('Timeout is ONTAP\'s I/O timeout for the server, in seconds: 1..60 (ONTAP timeout). PATCHable. Unset: not managed.', { minimum: 1, maximum: 60 }),
    username: str(`Username is the KMIP username ONTAP authenticates with, at most ${Limits.maxNameLength} characters; set with passwordSecretRef (ONTAP refuses one without the other). PATCHable. Unset: not managed.`, {
      minLength: 1,
      maxLength: Limits.maxNameLength,
    }),
    passwordSecretRef: secretKeyRef(
      'PasswordSecretRef names the Secret key (type Opaque) of the KMIP password; write-only on ONTAP, sent with username when the Secret changes.',
      'KMIP password',
      'password',
    ),
    secondaryKeyServers: arr(
      'SecondaryKeyServers are the server\'s secondary key servers (host names or IP addresses), replaced as a whole list. Unset: not managed.',
      str('A secondary key server.', { minLength: 1, maxLength: Limits.maxNameLength }),
      { maxItems: 16 },
    ),
  },
  {
    required: ['host'],
    'x-kubernetes-validations': [{ rule: 'has(self.username) == has(self.passwordSecretRef)', message: 'username and passwordSecretRef go together' }],
  },
);

/** ontapKmipSpec is the OntapKmip spec schema. */
export const ontapKmipSpec: JSONSchema = keyManagerSpec('OntapKmipSpec is the desired external key manager of one SVM (or the cluster scope) on KMIP key servers.', {
  keyRotation: false,
  fields: {
    servers: arr(`Servers are the primary KMIP key servers: 1..${MAX_PRIMARY_SERVERS} (ONTAP's limit), each host:port once. Sent on create; then added and removed one by one through the key-servers sub-collection.`, server, {
      minItems: 1,
      maxItems: MAX_PRIMARY_SERVERS,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['host', 'port'],
    }),
    clientCertificateSecretRef: obj(
      'ClientCertificateSecretRef names the kubernetes.io/tls Secret (tls.crt and tls.key, as cert-manager writes it) of the client certificate ONTAP presents to the key servers. Installed on ONTAP (/api/security/certificates, type client, on the SVM) under a name derived from the certificate; when the Secret changes (a renewal) the new certificate is installed, the key manager switched to it, and only then the old one deleted (make-before-break). A failed switch leaves the old certificate in place and says why.',
      { name: name('kubernetes.io/tls Secret of the client certificate') },
      { required: ['name'] },
    ),
    serverCASecretRef: secretKeyRef(
      'ServerCASecretRef names the Secret key (type Opaque or kubernetes.io/tls) of the CA certificates, one or more PEM blocks, that the key servers\' certificates chain to. Installed on ONTAP as server_ca certificates (names derived from each certificate) and referenced as the key manager\'s server_ca_certificates; a change installs the new ones, switches, then deletes the old ones.',
      'server CA certificates',
      Defaults.caBundleKey,
    ),
  },
  required: ['servers', 'clientCertificateSecretRef', 'serverCASecretRef'],
});

/** ontapKmipStatus is the OntapKmip status schema. */
export const ontapKmipStatus: JSONSchema = keyManagerStatus('OntapKmipStatus is what ONTAP shows of the external key manager, its key servers and certificates, and how the last reconcile went.', {
  record: 'key-managers (external)',
  service: 'KMIP key servers',
  cloud: false,
  keys: {
    keyServers: arr(
      "KeyServers are the key servers as ONTAP reports them, with each node's connectivity.",
      obj('One key server.', {
        server: str('Server is host:port.'),
        timeout: int('Timeout is ONTAP\'s I/O timeout, in seconds: 1..60.', { minimum: 1, maximum: 60 }),
        username: str('Username is the KMIP username (never the password).'),
        secondaryKeyServers: arr('SecondaryKeyServers are its secondary servers.', str('A secondary server.')),
        available: bool("Available is ONTAP's connectivity.cluster_availability: every node reaches the server."),
        nodes: arr("Nodes are ONTAP's connectivity.node_states.", obj('One node.', { node: str('Name of the node.'), state: str('State: available, not_responding or unknown.') })),
      }),
    ),
    clientCertificate: obj('ClientCertificate is the client certificate installed on ONTAP and referenced by the key manager.', {
      name: str('Name of the certificate on ONTAP.'),
      uuid: str('UUID of the certificate on ONTAP.'),
      expiryTime: str('ExpiryTime is when the certificate expires (RFC 3339); an expired KMIP client certificate takes volumes offline at the next reboot.', { format: 'date-time' }),
    }),
    serverCaCertificates: arr(
      'ServerCaCertificates are the server CA certificates installed on ONTAP and referenced by the key manager.',
      obj('One certificate.', {
        name: str('Name of the certificate on ONTAP.'),
        uuid: str('UUID of the certificate on ONTAP.'),
        expiryTime: str('ExpiryTime is when the certificate expires (RFC 3339).', { format: 'date-time' }),
      }),
    ),
    ontapStatus: obj("OntapStatus is ONTAP's status of the key manager (an advanced field): code 0 when its setup is complete.", {
      code: str("Code is ONTAP's code; \"0\" when the setup is complete."),
      message: str("Message is ONTAP's explanation."),
    }),
  },
  reachability: {},
  conditions: 'Ready (Synced, and every key server reachable from every node), Synced (the last reconcile applied the spec) and KeyServersReachable (ONTAP\'s connectivity of each key server from each node)',
});
