/**
 * ReconcileError is every failure a reconcile reports: a stable reason for the Synced (or Ready)
 * condition, a message safe to show (no secret values), and how to retry. classifyError maps the
 * ONTAP client's typed errors onto it; it is a pure function, table-tested.
 */
import { Reason } from '../api/v1alpha1/constants.js';
import {
  describeOntapError,
  isGone,
  OntapAbortedError,
  OntapApiError,
  OntapCode,
  OntapErrorBase,
  OntapProtocolError,
  OntapTimeoutError,
  OntapTransportError,
} from '../ontap/errors.js';
import { ENDPOINT_NOT_ALLOWED } from '../ontap/endpoint-policy.js';

/**
 * Retry says what the queue does after the failure: `backoff` retries with per-key exponential
 * backoff (transient: network, 5xx); `wait` waits for a spec or Secret change, still looking
 * again at the drift-check interval (bad input that retrying cannot fix).
 */
export type Retry = 'backoff' | 'wait';

/**
 * SupersededError cuts a drift check short when a change to the same object arrives: the
 * change runs next, so the check writes nothing (no status, no event) and is not retried.
 */
export class SupersededError extends Error {
  constructor(key: string) {
    super(`reconcile of ${key} superseded by a change`);
    this.name = 'SupersededError';
  }
}

/**
 * StoppingError ends a reconcile that had sent no ONTAP write when the operator began to stop:
 * it writes nothing more (no status, no event) and is not retried; the next leader runs it from
 * scratch. A reconcile that has sent a write is seen through instead (see Controller.stop).
 */
export class StoppingError extends Error {
  constructor(message = 'the operator is stopping') {
    super(message);
    this.name = 'StoppingError';
  }
}

/** isStopping tells whether `err`, or the abort of `signal` that caused it, is the operator stopping. */
export function isStopping(err: unknown, signal?: AbortSignal): boolean {
  return err instanceof StoppingError || (signal?.aborted === true && signal.reason instanceof StoppingError);
}

/** ReconcileError is a failure with a condition reason and a retry policy. */
export class ReconcileError extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly retry: Retry,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReconcileError';
  }
}

/** ontapMessage renders an ONTAP API error the way status shows it: code (or HTTP status) and ONTAP's text. */
export function ontapMessage(err: OntapApiError): string {
  return describeOntapError(err.code, err.httpStatus, err.ontapMessage);
}

const CODE_REASONS: ReadonlyMap<string, Reason> = new Map([
  [OntapCode.InvalidCredentials, Reason.InvalidCredentials],
  [OntapCode.InvalidSecretAccessKey, Reason.InvalidCredentials],
  [OntapCode.NotConfigured, Reason.NotConfigured],
  [OntapCode.AzureNotConfigured, Reason.NotConfigured],
  [OntapCode.GcpNotConfigured, Reason.NotConfigured],
  [OntapCode.AlreadyConfigured, Reason.AlreadyConfigured],
  [OntapCode.KeysInUse, Reason.DeletionBlocked],
  [OntapCode.VeksStored, Reason.DeletionBlocked],
  [OntapCode.OnboardKeysInUse, Reason.DeletionBlocked],
  [OntapCode.PassphraseIncorrect, Reason.PassphraseIncorrect],
  [OntapCode.PassphraseLength, Reason.SecretInvalid],
  [OntapCode.KeyServerLimit, Reason.KeyServerLimit],
  [OntapCode.NodeOutOfQuorum, Reason.NodesOffline],
  [OntapCode.ExternalNotEnabled, Reason.NotConfigured],
  [OntapCode.KeyServerNotConfigured, Reason.NotConfigured],
  [OntapCode.KeysOnlyOnServer, Reason.KeysOnlyOnServer],
  [OntapCode.KeysInAdminSvm, Reason.KeysInAdminSvm],
  [OntapCode.KeyManagerBlocked, Reason.KeyManagerBlocked],
  [OntapCode.NoInternalKeys, Reason.NoInternalKeys],
  [OntapCode.NodesOffline, Reason.NodesOffline],
  [OntapCode.RestoreIncomplete, Reason.RestoreIncomplete],
  [OntapCode.TopLevelKeyMissing, Reason.TopLevelKeyMissing],
]);

/**
 * classifyError turns any error thrown during a reconcile into a ReconcileError. `action` says
 * what was being done ("aws-kms for SVM svm1 on OntapCluster prod") and prefixes the message,
 * followed by the call that failed (every client error names it); `signal` is the
 * reconcile's, so that a call cut off by the reconcile deadline reads as what it is.
 */
export function classifyError(err: unknown, action: string, signal?: AbortSignal, trust?: TrustContext): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const problem = err instanceof OntapTransportError ? trustProblem(err.sysCode) : undefined;
  if (err instanceof OntapTransportError && problem !== undefined) {
    // Retried with backoff all the same: a certificate renewed on ONTAP is not an event here.
    return new ReconcileError(Reason.CertificateUntrusted, `${action}: ${err.message}: ${trustAdvice(problem, trust)}`, 'backoff', { cause: err });
  }
  if (err instanceof OntapAbortedError && isDeadline(signal?.reason)) {
    // Only a cluster that answers too slowly (or not at all) keeps a reconcile this long.
    return new ReconcileError(Reason.Unreachable, `${action}: gave up: ${signal?.reason instanceof Error ? signal.reason.message : 'reconcile deadline exceeded'} (ONTAP answered too slowly)`, 'backoff', { cause: err });
  }
  if (err instanceof OntapApiError) {
    const reason = CODE_REASONS.get(err.code) ?? Reason.OntapError;
    // 5xx and 429 are ONTAP being busy or broken: retry with backoff. A record that vanished
    // (404, NotConfigured) is re-read and re-created soon. Other 4xx need a change.
    const vanished = isGone(err);
    const retry: Retry = err.httpStatus >= 500 || err.httpStatus === 429 || vanished ? 'backoff' : 'wait';
    if (err.httpStatus === 401) {
      return new ReconcileError(Reason.InvalidCredentials, `${action}: ${err.context}: ONTAP refused the cluster credentials (HTTP 401)`, 'wait', { cause: err });
    }
    // Which call failed (a create, a PATCH, a rekey) is kept: the action alone does not say.
    return new ReconcileError(reason, `${action}: ${err.context}: ${ontapMessage(err)}`, retry, { cause: err });
  }
  if (err instanceof OntapTransportError && err.sysCode === ENDPOINT_NOT_ALLOWED) {
    // The host name resolved outside the allow-list: no connection was made, and retrying
    // cannot help until the list or the endpoint changes.
    return new ReconcileError(Reason.EndpointNotAllowed, `${action}: ${err.message}`, 'wait', { cause: err });
  }
  if (err instanceof OntapTransportError || err instanceof OntapTimeoutError) {
    return new ReconcileError(Reason.Unreachable, `${action}: ${err.message}`, 'backoff', { cause: err });
  }
  if (err instanceof OntapAbortedError) {
    // Cancelled by shutdown, nothing wrong with ONTAP: whoever leads next reconciles again.
    return new ReconcileError(Reason.OntapError, `${action}: ${err.message}`, 'backoff', { cause: err });
  }
  if (err instanceof OntapProtocolError || err instanceof OntapErrorBase) {
    return new ReconcileError(Reason.OntapError, `${action}: ${err.message}`, 'backoff', { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ReconcileError(Reason.OntapError, `${action}: ${message}`, 'backoff', { cause: err });
}

/** isDeadline tells whether an abort reason is a deadline running out (not a stop). */
function isDeadline(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/**
 * TrustContext says where a cluster's TLS trust comes from, for the message of a certificate
 * ONTAP presented that did not verify: which object, and the Secret its spec.caBundleSecretRef
 * names (undefined: none, the system roots), or 'hidden' when the reader is a tenant of a
 * ClusterOntapCluster, who is not told the platform's Secret names.
 */
export interface TrustContext {
  /** cluster names the object to fix: "OntapCluster team-a/prod", "ClusterOntapCluster shared". */
  readonly cluster: string;
  readonly caBundle: { readonly secret: string; readonly key: string } | undefined | 'hidden';
}

/** TrustProblem is what a failed verification of ONTAP's certificate says needs fixing. */
export type TrustProblem = 'issuer' | 'validity' | 'name';

/**
 * Node's (OpenSSL's) verification failures, by what fixes them: the CA trusted (`issuer`), the
 * certificate's dates or the clocks (`validity`), the name in the endpoint or the certificate (`name`).
 */
const TRUST_CODES: ReadonlyMap<string, TrustProblem> = new Map<string, TrustProblem>([
  ...[
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
    'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
    'CERT_SIGNATURE_FAILURE',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_REVOKED',
    'CERT_CHAIN_TOO_LONG',
    'PATH_LENGTH_EXCEEDED',
    'INVALID_CA',
    'INVALID_PURPOSE',
  ].map((c): [string, TrustProblem] => [c, 'issuer']),
  ...['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD'].map((c): [string, TrustProblem] => [c, 'validity']),
  ...['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'].map((c): [string, TrustProblem] => [c, 'name']),
]);

/** trustProblem tells whether a Node error code is a failed verification of the peer's certificate, and of what kind. */
export function trustProblem(sysCode: string | undefined): TrustProblem | undefined {
  return sysCode === undefined ? undefined : TRUST_CODES.get(sysCode);
}

/** trustAdvice says what to fix for a certificate that did not verify: the field, and the Secret it names when the reader may know. */
export function trustAdvice(problem: TrustProblem, trust: TrustContext | undefined): string {
  const owner = trust ? `${trust.cluster}'s ` : '';
  const ca = trust?.caBundle;
  switch (problem) {
    case 'issuer':
      if (ca === undefined && trust !== undefined) {
        return `ONTAP's certificate is not signed by a CA the system roots hold, and ${trust.cluster} sets no spec.caBundleSecretRef: name a Secret holding the CA that signed it (PEM) in spec.caBundleSecretRef`;
      }
      if (ca !== undefined && ca !== 'hidden') {
        return `ONTAP's certificate is not signed by a CA in ${owner}spec.caBundleSecretRef (Secret ${ca.secret}, key "${ca.key}"): put the CA that signed it there (PEM)`;
      }
      return `ONTAP's certificate is not signed by a CA ${owner}spec.caBundleSecretRef trusts (or the system roots, when it is unset): it needs the CA that signed it`;
    case 'validity':
      return `ONTAP's certificate has expired or is not valid yet: renew it on ONTAP (security certificate), or check the clocks; ${owner}spec.caBundleSecretRef cannot fix this`;
    case 'name':
      return `ONTAP's certificate does not name the host of ${owner}spec.endpoint: use a host name or address the certificate lists, or reissue the certificate with this one`;
  }
}
