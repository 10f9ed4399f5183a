/**
 * Wire types of `/api/security/key-managers` for the Onboard Key Manager: the record as GET
 * returns it, its parser, and the POST and PATCH bodies. Fields follow ONTAP's reference
 * (netapp_ontap resources/security_key_manager.py, models/security_key_manager_onboard.py,
 * key_manager_state.py): `onboard.enabled` and `onboard.key_backup` are readable; passphrase,
 * existing_passphrase and synchronize are write-only; `status` is advanced (only when named in
 * `fields`).
 */
import { asObject, type JsonObject, type Mutable, optBoolean, optCode, optObject, optString, put } from '../json/read.js';
import { type KeyManagerIdentity, type KeyManagerStatus, readIdentity } from './wire-key-manager.js';

/** OnboardState is the `onboard` member as GET returns it. */
export interface OnboardState {
  readonly enabled?: boolean;
  /** key_backup is the key hierarchy's backup: a secret, never logged, never in status. */
  readonly key_backup?: string;
}

/** OntapKeyManagerStatus is the advanced `status` member: code 0 once the setup is complete. */
export interface OntapKeyManagerStatus {
  readonly code?: string;
  readonly message?: string;
}

/** OnboardKeyManagerRecord is one key-managers record with `onboard`, as GET returns it. */
export interface OnboardKeyManagerRecord extends KeyManagerIdentity, KeyManagerStatus {
  readonly enabled?: boolean;
  readonly onboard?: OnboardState;
  readonly status?: OntapKeyManagerStatus;
}

/** parseOnboardKeyManagerRecord validates one key-managers record, keeping its onboard members. */
export function parseOnboardKeyManagerRecord(v: unknown, path = 'record'): OnboardKeyManagerRecord {
  const o = asObject(v, path);
  const r: Mutable<OnboardKeyManagerRecord> = {};
  readIdentity(o, path, r);
  put(r, 'enabled', optBoolean(o, 'enabled', path));
  put(r, 'onboard', optObject(o, 'onboard', path, (ob, p) => {
    const onboard: Mutable<OnboardState> = {};
    put(onboard, 'enabled', optBoolean(ob, 'enabled', p));
    put(onboard, 'key_backup', optString(ob, 'key_backup', p));
    return onboard;
  }));
  put(r, 'status', optObject(o, 'status', path, parseOntapStatus));
  return r;
}

/** parseOntapStatus reads a key-managers record's advanced `status` (its code as a string). */
export function parseOntapStatus(st: JsonObject, path: string): OntapKeyManagerStatus {
  const status: Mutable<OntapKeyManagerStatus> = {};
  put(status, 'code', optCode(st, 'code', path));
  put(status, 'message', optString(st, 'message', path));
  return status;
}

/** OnboardCreateBody enables the Onboard Key Manager on the cluster scope. */
export interface OnboardCreateBody {
  readonly onboard: { readonly passphrase: string };
}

/** OnboardPatchBody changes the passphrase (with the existing one) or synchronizes (with the existing one). */
export interface OnboardPatchBody {
  readonly onboard: { readonly existing_passphrase: string; readonly passphrase?: string; readonly synchronize?: boolean };
}
