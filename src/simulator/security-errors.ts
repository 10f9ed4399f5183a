/**
 * ONTAP's error codes for `/api/security/key-managers` (onboard and external), its key servers and
 * `/api/security/certificates`, with where each came from. "Documented" means ONTAP's REST
 * reference (or NetApp's netapp-ontap library, which is generated from it) lists the code for
 * that condition; "chosen" means the simulator could not find the code ONTAP answers and picked
 * one, to be replaced here once known. Handlers use only these.
 */
import type { ErrorSpec } from './key-manager-family.js';

/** SECURITY_ERRORS are the codes the simulator answers on the non-cloud key-manager paths. */
export const SECURITY_ERRORS = {
  /**
   * Documented: PATCH /security/key-manager-configs lists 65536139 "Cluster-wide passphrase is
   * incorrect." (the same cluster-wide passphrase the Onboard Key Manager's
   * `existing_passphrase` names); the simulator answers it for a wrong `onboard.existing_passphrase`.
   */
  passphraseIncorrect: { code: '65536139', message: 'Cluster-wide passphrase is incorrect.' },
  /**
   * Chosen code, ONTAP's message: a passphrase change to the passphrase in use. NetApp's Ansible
   * collection (na_ontap_security_key_manager) PATCHes existing_passphrase = passphrase = P to
   * learn whether P is current: this message says it is, 65536139 says it is not. Its code was
   * not found.
   */
  passphraseUnchanged: { code: '65536802', message: 'New passphrase cannot be same as the old passphrase.' },
  /**
   * Documented: PATCH /security/key-manager-configs lists 65536806 "Passphrase length error."; the
   * simulator answers it for an onboard passphrase outside 32-256 ASCII characters (the range the
   * library's SecurityKeyManagerOnboard documents).
   */
  passphraseLength: { code: '65536806', message: 'Passphrase length error. The passphrase must be 32 to 256 ASCII characters long.' },
  /** Chosen: ONTAP refuses an Onboard Key Manager on a data SVM (it is cluster-scoped only); its code was not found. */
  onboardSvmScope: { code: '65536818', message: 'The Onboard Key Manager can be configured only at the cluster scope (the admin SVM); "svm" cannot be given.' },
  /** Documented: PATCH /security/key-manager-configs (9.17) lists 65537301 "The Onboard Key Manager is not enabled."; answered for an `onboard` PATCH of an external key manager. */
  onboardNotEnabled: { code: '65537301', message: 'The Onboard Key Manager is not enabled.' },
  /** Documented: the key-servers PATCH page lists 65536828 "External key management is not enabled for the SVM."; also answered for an `external` PATCH of the Onboard Key Manager. */
  externalNotEnabled: { code: '65536828', message: 'External key management is not enabled for the SVM.' },
  /**
   * Documented (docs ontap-rest.md, key-managers DELETE): 65536239 and 65536867 for encrypted
   * volumes. The simulator answers 65536239 when the Onboard Key Manager's keys are in use and
   * 65536867 (also the Azure and GCP families' code for VEKs still stored) for an external one.
   */
  onboardKeysInUse: { code: '65536239', message: 'Cannot disable the Onboard Key Manager: encrypted volumes exist and their keys are stored on it.' },
  externalKeysInUse: {
    code: '65536867',
    message: 'Volume encryption keys (VEK) for one or more encrypted volumes are stored on the key manager configured for the given SVM.',
  },
  /**
   * Chosen: `validate_certificates=true` tests the connection to the key servers with the
   * certificates; the simulator fails the job when a server answers no node at all.
   */
  validationFailed: { code: '65537241', message: 'Unable to validate the certificates: no node could connect to key server' },
  /** Documented: key-servers POST 65536038, at most 4 primary key servers. */
  tooManyServers: { code: '65536038', message: 'A maximum of 4 active primary key servers are allowed.' },
  /** Documented: key-servers PATCH 65536843, the key server is not configured for the SVM. */
  serverNotConfigured: { code: '65536843', message: 'The key management server is not configured for the SVM.' },
  /** Documented: key-servers DELETE 65536700, the server holds keys available nowhere else. */
  keysOnlyOnServer: {
    code: '65536700',
    message: 'The key server contains keys that are currently in use and not available from any other configured key server in the SVM.',
  },
  /** Documented: key-servers PATCH 65536845 / 65536846, a username without a password or the reverse. */
  missingUsername: { code: '65536845', message: 'Missing username.' },
  missingPassword: { code: '65536846', message: 'Missing password.' },
  /** Chosen (remembered from ONTAP's POST /security/key-managers list, not verified): a referenced certificate is not installed on the SVM. */
  certificateNotInstalled: { code: '65536821', message: 'The certificate is not installed.' },
  /** Chosen: a server given twice in one key manager. */
  duplicateServer: { code: '65536871', message: 'Duplicate key management servers exist.' },
  /**
   * Chosen: a certificate an external key manager still references cannot be deleted. ONTAP's
   * DELETE /security/certificates code for this was not found.
   */
  certificateInUse: { code: '3735664', message: 'Cannot delete the certificate: it is in use by the external key manager of the SVM.' },
  /** Chosen: a public_certificate or private_key that is not a PEM ONTAP can parse. */
  badCertificate: { code: '3735645', message: 'Failed to install the certificate: the public_certificate is not a valid PEM encoded X.509 certificate.' },
  badPrivateKey: { code: '3735646', message: 'Failed to install the certificate: the private_key is not a valid PEM encoded private key matching the certificate.' },
  /**
   * Chosen code, ONTAP's message: the same certificate, or the same name, already installed on the
   * SVM. ONTAP answers "duplicate entry" with target "uuid" (NetApp's Ansible collection,
   * na_ontap_security_certificates, matches that message).
   */
  duplicateCertificate: { code: '3735553', message: 'duplicate entry' },
} as const satisfies Record<string, ErrorSpec>;

/**
 * ONBOARD_STATUS are the `status` values of the Onboard Key Manager. `code` 0 when setup is
 * complete is the library's KeyManagerState ("Returns 0 if the setup is complete"); the message
 * is the library's example's. The "synchronize needed" code was not found in ONTAP's reference:
 * the simulator chose 65537208, next to the 65537200 "No action needed at this time." of the
 * library's status example, so clients can tell it from 0 and from the example.
 */
export const ONBOARD_STATUS = {
  ok: { code: 0, message: 'No action needed at this time.' },
  syncNeeded: { code: 65537208, message: 'The Onboard Key Manager keys are not synchronized on node' },
} as const;
