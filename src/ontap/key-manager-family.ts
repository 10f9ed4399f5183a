/**
 * KeyManagerFamily describes one of ONTAP's key-manager endpoint families (`/api/security/aws-kms`
 * and the others families.ts lists): they share one shape (one record per SVM or the cluster,
 * create-only identity, PATCHable settings, write-only credentials, jobs, and for the cloud ones
 * `rekey-external`, `rekey-internal` and `restore` actions), so one set of client calls serves
 * them all; the family says where and how to read its records, and which of those actions it has.
 */
import type { KeyManagerIdentity, KeyManagerStatus } from './wire-key-manager.js';

/** KeyManagerRecord is what every family's record has: its uuid and scope, its state and ekmip reachability. */
export type KeyManagerRecord = KeyManagerIdentity & KeyManagerStatus;

/** KeyManagerFamily is one endpoint family: its collection path, its name in messages, its parser. */
export interface KeyManagerFamily<R extends KeyManagerRecord> {
  /** noun names a record in messages and error contexts: `aws-kms`, `onboard key manager`. */
  readonly noun: string;
  /** path is the collection path, e.g. `/api/security/aws-kms`. */
  readonly path: string;
  /** parse validates one record as GET returns it. */
  readonly parse: (v: unknown, path?: string) => R;
  /**
   * writeOnly names the fields ONTAP takes and never returns: the secrets a body carries. The log
   * redaction is built from them (see families.ts); declare every one, even for a family whose
   * create body sends none today (then []).
   */
  readonly writeOnly: readonly string[];
  /**
   * filters are sent with every list of the collection: a collection that holds records of
   * another kind too (`/api/security/key-managers`: onboard and external) is read for this one only.
   */
  readonly filters?: Readonly<Record<string, string>>;
  /** actions are the POST actions ONTAP has on a record of the family. @default all three */
  readonly actions?: readonly KeyManagerAction[];
}

/** KeyManagerAction is one of the POST actions every family has on a record. */
export type KeyManagerAction = 'rekey-external' | 'rekey-internal' | 'restore';
