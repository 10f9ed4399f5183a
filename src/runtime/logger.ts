/**
 * The operator's one structured logger: winston, one JSON object a line (or plain text for a
 * terminal), with a redaction pass so that no secret value reaches a log line even when a caller
 * passes one by mistake.
 */
import winston from 'winston';
import { KEY_MANAGER_FAMILIES } from '../ontap/families.js';

/** Log levels the operator uses, most to least severe. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Output formats: `json` for machines (default), `text` for a terminal. */
export type LogFormat = 'json' | 'text';

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Logger is the narrow logging surface the rest of the code depends on. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** child returns a logger that adds `fields` to every line (namespace, name, reconcileID...). */
  child(fields: LogFields): Logger;
}

/**
 * FIXED_SENSITIVE_KEYS are the secret-bearing names that belong to no cloud key-manager family:
 * - `password`: ONTAP's own credentials, a proxy's, the KMIP key-servers' (write-only in NetApp's
 *   REST reference for /api/security/key-managers/{uuid}/key-servers; not called yet).
 * - `passphrase`, `existing_passphrase`, `new_passphrase`: the Onboard Key Manager's
 *   `onboard.passphrase` and `onboard.existing_passphrase` (write-only) and key-manager-configs'
 *   `passphrase` (NetApp's REST reference for /api/security/key-managers and
 *   /api/security/key-manager-configs); `new_passphrase` is the CLI's name for the new one.
 * - `private_key`, `tls.key`: a client certificate's key as `/api/security/certificates` takes it
 *   for KMIP, and as a Kubernetes TLS Secret holds it; also a GCP service account key's member.
 * - `token`, `authorization`: bearer tokens and HTTP Authorization headers.
 * - `access_key_id`: not write-only on ONTAP, but half of an AWS key pair; `data`, `stringData`:
 *   a Secret's values.
 */
const FIXED_SENSITIVE_KEYS = [
  'password',
  'passphrase',
  'existing_passphrase',
  'new_passphrase',
  // The Onboard Key Manager's key backup is readable on ONTAP, yet a secret.
  'key_backup',
  'private_key',
  'tls.key',
  'token',
  'authorization',
  'access_key_id',
  'data',
  'stringData',
];

/** normalizeKey makes `client_secret`, `clientSecret`, `client-secret` and `CLIENT_SECRET` one name. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/**
 * SENSITIVE_KEYS are the field names whose values are always replaced, wherever they appear in a
 * line's fields: the fixed ones and every key-manager family's write-only fields, so that a new
 * family's secrets are redacted by declaring them (ontap/families.ts), not by a second list.
 */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set(
  [...FIXED_SENSITIVE_KEYS, ...KEY_MANAGER_FAMILIES.flatMap((f) => f.writeOnly)].map(normalizeKey),
);

/** isSensitiveKey says whether the logger replaces the value of a field named `key`. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(normalizeKey(key));
}

const REDACTED = '[REDACTED]';

/** MAX_DEPTH bounds the walk; anything deeper is dropped, not logged unredacted. */
const MAX_DEPTH = 16;

/** redact returns a copy of `value` with every sensitive field replaced, however deep. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[TOO DEEP]';
  if (value instanceof Error) return { message: value.message, name: value.name };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSensitiveKey(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = isSensitiveKey(key) ? REDACTED : redact(info[key]);
  }
  return info;
});

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** @default 'json' */
  readonly format?: LogFormat;
  /** Extra transports, e.g. a capturing stream in tests. @default stderr */
  readonly stream?: NodeJS.WritableStream;
}

/**
 * WinstonLogger checks the level before handing a line to winston: winston runs every format
 * (redaction, timestamp, JSON) before its transports drop a line below their level, and the
 * operator writes debug lines on every request and reconcile.
 */
class WinstonLogger implements Logger {
  constructor(private readonly inner: winston.Logger) {}
  error(message: string, fields?: LogFields): void {
    if (this.inner.isErrorEnabled()) this.inner.error(message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    if (this.inner.isWarnEnabled()) this.inner.warn(message, fields);
  }
  info(message: string, fields?: LogFields): void {
    if (this.inner.isInfoEnabled()) this.inner.info(message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    if (this.inner.isDebugEnabled()) this.inner.debug(message, fields);
  }
  child(fields: LogFields): Logger {
    return new WinstonLogger(this.inner.child(fields));
  }
}

/** createLogger builds the process logger; everything else derives children from it. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format =
    options.format === 'text'
      ? winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.simple())
      : winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Stream({ stream: process.stderr });
  return new WinstonLogger(
    winston.createLogger({ level: options.level ?? 'info', format, transports: [transport] }),
  );
}

/** A logger that drops everything; for tests and libraries used without one. */
export const nullLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => nullLogger,
};
