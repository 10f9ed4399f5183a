/**
 * The ONTAP REST client's public surface: import from here, not from the files behind it.
 */
export { AWS_KMS, AWS_KMS_PATH, AZURE_KEY_VAULT, GCP_KMS, type Filters, type ListAwsKmsOptions, OntapClient, type OntapClientOptions } from './client.js';
export {
  hasCode,
  isNotFound,
  OntapAbortedError,
  OntapApiError,
  OntapCode,
  OntapErrorBase,
  OntapProtocolError,
  OntapResponseTooLargeError,
  OntapTimeoutError,
  OntapTransportError,
  type TransportErrorKind,
} from './errors.js';
export type { OntapAuth, RequestInfo } from './transport.js';
export type * from './wire.js';
export type * from './wire-azure.js';
export type * from './wire-gcp.js';
export type { KeyManagerIdentity, KeyManagerStatus } from './wire-key-manager.js';
export type { KeyManagerAction, KeyManagerFamily, KeyManagerRecord } from './key-manager-family.js';
