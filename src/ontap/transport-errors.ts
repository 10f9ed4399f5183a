/**
 * Typing what went wrong below HTTP: Node reports a failed exchange as an error
 * chain with an errno-style code; the client needs to know which layer failed and whether the
 * request may have reached ONTAP (only then is a write unsafe to retry).
 */
import { ENDPOINT_NOT_ALLOWED } from './endpoint-policy.js';
import { OntapTransportError, type TransportErrorKind } from './errors.js';

const NOT_SENT_CONNECTION = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', ENDPOINT_NOT_ALLOWED]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const TLS_CODE_RE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|EPROTO$|HOSTNAME_MISMATCH)/;

/** toTransportError maps a Node failure (http-exchange.ts) to an OntapTransportError. */
export function toTransportError(err: unknown, context: string, method: string, path: string): OntapTransportError {
  const sysCode = errnoCode(err);
  let kind: TransportErrorKind = 'connection';
  let mayHaveBeenSent = true;
  if (sysCode !== undefined && TLS_CODE_RE.test(sysCode)) {
    kind = 'tls';
    mayHaveBeenSent = false;
  } else if (sysCode !== undefined && DNS_CODES.has(sysCode)) {
    kind = 'dns';
    mayHaveBeenSent = false;
  } else if (sysCode !== undefined && NOT_SENT_CONNECTION.has(sysCode)) {
    mayHaveBeenSent = false;
  } else if (sysCode === 'HPE_INVALID_CONSTANT' || sysCode?.startsWith('HPE_') === true) {
    kind = 'protocol';
  }
  const detail = sysCode !== undefined ? `${sysCode}: ${rootMessage(err)}` : rootMessage(err);
  return new OntapTransportError({ context, method, path, kind, sysCode, mayHaveBeenSent, detail, cause: err });
}

function errnoCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = e.cause;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
