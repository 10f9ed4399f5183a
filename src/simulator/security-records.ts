/**
 * The records behind `/api/security/key-managers` (the Onboard Key Manager and external KMIP key
 * managers), their key servers and `/api/security/certificates`, as the simulated cluster keeps
 * them, write-only values (passphrase, key-server password, private key) included.
 */
import type { StoredKeyManager } from './key-manager-family.js';

/** StoredOnboard is the Onboard Key Manager: cluster scope only, one passphrase for the cluster. */
export interface StoredOnboard extends StoredKeyManager {
  readonly kind: 'onboard';
  /** passphrase is the cluster-wide passphrase; never rendered, compared by the control API only. */
  passphrase: string;
  /** backupGeneration counts passphrase changes and synchronizations: each one gives a new key_backup. */
  backupGeneration: number;
  /** unsyncedNodes are nodes that joined and lack the onboard keys until a synchronize. */
  unsyncedNodes: string[];
}

/** StoredKeyServer is one primary key server of an external key manager. */
export interface StoredKeyServer {
  /** server is `host:port`, the port filled in (5696) when the request gave none. */
  readonly server: string;
  timeout: number;
  create_remove_timeout: number;
  username: string;
  /** password is write-only. */
  password?: string;
  secondary_key_servers: string[];
}

/** StoredExternal is an external (KMIP) key manager of an SVM or the cluster. */
export interface StoredExternal extends StoredKeyManager {
  readonly kind: 'external';
  /** clientCertificate is the uuid of a `client` certificate of the same SVM. */
  clientCertificate: string;
  /** serverCaCertificates are uuids of `server_ca` certificates of the same SVM. */
  serverCaCertificates: string[];
  servers: StoredKeyServer[];
  policy?: string;
}

/** StoredSecurityKeyManager is either kind of `/api/security/key-managers` record. */
export type StoredSecurityKeyManager = StoredOnboard | StoredExternal;

/** CertificateType is the `type` of the certificates the simulator installs. */
export type CertificateType = 'client' | 'server_ca';

/** StoredCertificate is an installed certificate; private_key is write-only. */
export interface StoredCertificate {
  readonly uuid: string;
  readonly name: string;
  /** svm is the owning SVM's name and uuid, or undefined for the cluster (admin SVM). */
  readonly svm: { readonly name: string; readonly uuid: string } | undefined;
  readonly type: CertificateType;
  readonly public_certificate: string;
  readonly private_key?: string;
  readonly common_name: string;
  readonly ca: string;
  readonly serial_number: string;
  readonly expiry_time: string;
  readonly key_size: number;
  readonly hash_function: string;
}
