/**
 * Typed failures of the ONTAP REST client. The controller maps them to condition reasons, so
 * each class carries exactly what that mapping needs and nothing secret: messages quote ONTAP's
 * own text but never a request body.
 */

/** OntapCode holds the ONTAP error codes the operator reacts to (strings of digits, as ONTAP sends them). */
export const OntapCode = {
  /** Generic: the entry does not exist (404). */
  EntryNotFound: '4',
  /** Generic: an invalid field or value. */
  InvalidField: '2',
  /** Generic: permission denied (403). */
  PermissionDenied: '6',
  /** Generic: an argument the call does not accept. */
  UnexpectedArgument: '262179',
  /** The SVM named in the request does not exist. */
  SvmNotFound: '2621462',
  /** DELETE: volume encryption keys are still stored on this key manager. */
  KeysInUse: '65537106',
  /** DELETE (Azure Key Vault, Google Cloud KMS): volume encryption keys are still stored on the key manager. */
  VeksStored: '65536867',
  /** PATCH: no inputs were provided. */
  NoInputs: '65537541',
  /** rekey-internal: no internal keys exist. */
  NoInternalKeys: '65537559',
  /** rekey-internal: the data SVM's keys are still in the admin SVM's key manager (migrate them first). */
  KeysInAdminSvm: '65537547',
  /** rekey-internal: the key manager is blocked. */
  KeyManagerBlocked: '65537556',
  /** rekey-internal: not all nodes are online. */
  NodesOffline: '65537566',
  /** restore: unable to restore all keys. */
  RestoreIncomplete: '65536082',
  /** rekey-internal, restore: the wrapped top-level KEK is missing. */
  TopLevelKeyMissing: '65537544',
  /** GET: top-level KEK unavailable on one or more nodes. */
  KekUnavailable: '65537551',
  /** GET: embedded KMIP server status unavailable. */
  EkmipUnavailable: '65537552',
  /** POST: invalid secret access key. */
  InvalidSecretAccessKey: '65537900',
  /** POST/PATCH: failed to store the secret access key. */
  SecretStoreFailed: '65537906',
  /** POST: AWS KMS is not supported for the admin SVM. */
  AdminSvmNotSupported: '65537908',
  /** POST: a key manager is already configured for this SVM. */
  AlreadyConfigured: '65537910',
  /** GET: AWS KMS unreachable from one or more nodes. */
  AwsUnreachable: '65537915',
  /** rekey-external failed on one or more nodes. */
  RekeyExternalFailed: '65537919',
  /** PATCH: the secret access key cannot be empty. */
  SecretAccessKeyEmpty: '65537920',
  /** POST/PATCH: unable to connect to AWS KMS with these credentials. */
  InvalidCredentials: '65537921',
  /** PATCH: the access key ID cannot be empty. */
  AccessKeyIdEmpty: '65537924',
  /** PATCH/DELETE: AWS KMS is not configured for the SVM. */
  NotConfigured: '65537926',
  /** restore, rekey-internal, DELETE: Azure Key Vault is not configured for the SVM (REST reference 9.10+). */
  AzureNotConfigured: '65537120',
  /** restore, rekey, DELETE: Google Cloud KMS is not configured for the SVM (REST reference). */
  GcpNotConfigured: '65537721',
  /** restore: unable to restore all keys. */
  RestoreFailed: '65536082',
  /** PATCH (key-managers onboard, key-manager-configs): the cluster-wide passphrase given as existing is incorrect. */
  PassphraseIncorrect: '65536139',
  /** POST/PATCH (onboard): the passphrase is not 32 to 256 ASCII characters. */
  PassphraseLength: '65536806',
  /** DELETE (key-managers): encrypted volumes exist whose keys the Onboard Key Manager stores. */
  OnboardKeysInUse: '65536239',
  /** POST key-servers: at most 4 primary key servers. */
  KeyServerLimit: '65536038',
  /** PATCH/DELETE key-servers: a node is out of quorum. */
  NodeOutOfQuorum: '65536600',
  /** PATCH key-servers, key-managers external: external key management is not enabled for the SVM. */
  ExternalNotEnabled: '65536828',
  /** PATCH key-servers: the key server is not configured for the SVM. */
  KeyServerNotConfigured: '65536843',
  /** DELETE key-servers: the server holds keys that no other configured key server has. */
  KeysOnlyOnServer: '65536700',
} as const;

/** OntapErrorBase is the common parent of every error the client throws, so callers can catch them all. */
export class OntapErrorBase extends Error {
  /** method is the HTTP method of the failed call. */
  readonly method: string;
  /** path is the request path (no query string: filters may name SVMs, never secrets, but keep it short). */
  readonly path: string;

  constructor(message: string, method: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.method = method;
    this.path = path;
  }
}

/** OntapApiError is an answer from ONTAP with an error envelope (sync 4xx/5xx) or a failed job. */
export class OntapApiError extends OntapErrorBase {
  /** httpStatus of the response; for a failed job, the status of the call that started it (202). */
  readonly httpStatus: number;
  /** code is ONTAP's error code, a string of digits ('' when ONTAP sent none). */
  readonly code: string;
  /** ontapMessage is ONTAP's own message, unprefixed. */
  readonly ontapMessage: string;
  /** target is the field or object ONTAP blames, when it says. */
  readonly target: string | undefined;
  /** jobUuid is set when the failure came from an asynchronous job. */
  readonly jobUuid: string | undefined;
  /** context names the call that failed: `patch aws-kms <uuid>`, `rekey-external gcp-kms <uuid>`. */
  readonly context: string;

  constructor(init: {
    context: string;
    method: string;
    path: string;
    httpStatus: number;
    code: string;
    message: string;
    target?: string | undefined;
    jobUuid?: string | undefined;
    cause?: unknown;
  }) {
    super(`${init.context}: ${describeOntapError(init.code, init.httpStatus, init.message)}`, init.method, init.path, {
      cause: init.cause,
    });
    this.context = init.context;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.ontapMessage = init.message;
    this.target = init.target;
    this.jobUuid = init.jobUuid;
  }
}

/**
 * describeOntapError renders ONTAP's error the way messages and status show it: its code and
 * text, or, when ONTAP sent no code (a proxy's answer, or an error without one), the HTTP status.
 */
export function describeOntapError(code: string, httpStatus: number, message: string): string {
  const text = message === '' ? 'no message' : message;
  return code === '' ? `ONTAP error without a code (HTTP ${httpStatus}): ${text}` : `ONTAP error ${code}: ${text}`;
}

/** TransportErrorKind says which layer failed below HTTP. */
export type TransportErrorKind = 'tls' | 'connection' | 'dns' | 'protocol';

/** OntapTransportError is a failure below HTTP: refused, reset, dropped, DNS, or TLS verification. */
export class OntapTransportError extends OntapErrorBase {
  /** kind of failure. */
  readonly kind: TransportErrorKind;
  /** errno-style code from Node (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). */
  readonly sysCode: string | undefined;
  /**
   * mayHaveBeenSent is false only when the request certainly never reached ONTAP (refused,
   * DNS, TLS handshake): only then may a write be retried.
   */
  readonly mayHaveBeenSent: boolean;

  constructor(init: {
    context: string;
    method: string;
    path: string;
    kind: TransportErrorKind;
    sysCode: string | undefined;
    mayHaveBeenSent: boolean;
    detail: string;
    cause?: unknown;
  }) {
    super(`${init.context}: ${init.kind} error: ${init.detail}`, init.method, init.path, {
      cause: init.cause,
    });
    this.kind = init.kind;
    this.sysCode = init.sysCode;
    this.mayHaveBeenSent = init.mayHaveBeenSent;
  }
}

/** OntapTimeoutError is a request or job that did not finish in time; the write may still happen. */
export class OntapTimeoutError extends OntapErrorBase {
  /** timeoutMs that was exceeded. */
  readonly timeoutMs: number;
  /** jobUuid is set when it was a job that did not finish in time. */
  readonly jobUuid: string | undefined;

  constructor(init: {
    context: string;
    method: string;
    path: string;
    timeoutMs: number;
    jobUuid?: string | undefined;
    cause?: unknown;
  }) {
    const what = init.jobUuid === undefined ? 'request' : `job ${init.jobUuid}`;
    super(`${init.context}: ${what} timed out after ${init.timeoutMs} ms`, init.method, init.path, {
      cause: init.cause,
    });
    this.timeoutMs = init.timeoutMs;
    this.jobUuid = init.jobUuid;
  }
}

/** OntapProtocolError is an answer ONTAP should never give: unparsable JSON or a missing field. */
export class OntapProtocolError extends OntapErrorBase {}

/**
 * OntapResponseTooLargeError is an answer past the client's size bound (`maxResponseBytes`): one
 * body, or a collection's pages together. The connection is closed at the bound and the call is
 * not retried, since the same server would send the same again.
 */
export class OntapResponseTooLargeError extends OntapProtocolError {
  /** limitBytes is the bound that was exceeded. */
  readonly limitBytes: number;

  constructor(init: { context: string; method: string; path: string; limitBytes: number; subject?: string | undefined }) {
    const subject = init.subject ?? 'response body';
    super(`${init.context}: ${subject} exceeds ${formatBytes(init.limitBytes)} (maxResponseBytes); the rest was not read`, init.method, init.path);
    this.limitBytes = init.limitBytes;
  }
}

/**
 * OntapAbortedError is a call its caller cancelled through an AbortSignal (the operator shutting
 * down). It says nothing about ONTAP: never retry it, never read it as "not found". A write
 * aborted after it may have left can still take effect, and the message says so.
 */
export class OntapAbortedError extends OntapErrorBase {
  /** outcomeUnknown is true when a write may have reached ONTAP before the abort. */
  readonly outcomeUnknown: boolean;
  /** jobUuid is set when the abort came while following the write's job. */
  readonly jobUuid: string | undefined;

  constructor(init: {
    context: string;
    method: string;
    path: string;
    outcomeUnknown: boolean;
    jobUuid?: string | undefined;
    cause?: unknown;
  }) {
    const during = init.jobUuid === undefined ? '' : ` while waiting for job ${init.jobUuid}`;
    const outcome = init.outcomeUnknown ? '; the outcome of the write is unknown' : init.method === 'GET' ? '' : '; the write was not sent';
    super(`${init.context}: aborted${during}${outcome}`, init.method, init.path, { cause: init.cause });
    this.outcomeUnknown = init.outcomeUnknown;
    this.jobUuid = init.jobUuid;
  }
}

/** formatBytes renders a size the way limits are documented: "16 MiB", "512 KiB", "100 bytes". */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** isNotFound tells whether `err` says the object does not exist (HTTP 404 or ONTAP code 4). */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof OntapApiError &&
    (err.httpStatus === 404 || err.code === OntapCode.EntryNotFound)
  );
}

/** NOT_CONFIGURED_CODES are each family's "not configured for the SVM". */
export const NOT_CONFIGURED_CODES: ReadonlySet<string> = new Set([OntapCode.NotConfigured, OntapCode.AzureNotConfigured, OntapCode.GcpNotConfigured, OntapCode.ExternalNotEnabled]);

/** isGone tells whether an error says the record is not there: not found, or its family not configured for the SVM. */
export function isGone(err: unknown): boolean {
  return isNotFound(err) || (err instanceof OntapApiError && NOT_CONFIGURED_CODES.has(err.code));
}

/** hasCode tells whether `err` is an ONTAP API error carrying `code`. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof OntapApiError && err.code === code;
}
