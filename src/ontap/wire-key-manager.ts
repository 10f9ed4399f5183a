/**
 * Wire members every cloud key-manager family shares (aws-kms and the others): the
 * svm reference, the scope, the advanced `state`, `<cloud>_reachability` and
 * `ekmip_reachability` members, and their parsers, so each family's parser reads only its own fields.
 */
import { asArray, asObject, type JsonObject, type Mutable, optBoolean, optCode, optObject, optString, put, reqString } from '../json/read.js';

/** SvmRef is the `svm` member of an SVM-scoped record. */
export interface SvmRef {
  readonly name: string;
  readonly uuid: string;
}

/** KeyManagerState is the advanced `state` member: is key protection available cluster-wide. */
export interface KeyManagerState {
  readonly cluster_state?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** Reachability is an advanced `amazon_reachability` / `azure_reachability` / `google_reachability` member. */
export interface Reachability {
  readonly reachable?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** EkmipReachability is one node's entry of the advanced `ekmip_reachability` array. */
export interface EkmipReachability {
  readonly node?: { readonly name?: string; readonly uuid?: string };
  readonly reachable?: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** KeyManagerIdentity are the members every family's record starts with. */
export interface KeyManagerIdentity {
  readonly uuid?: string;
  readonly svm?: SvmRef;
  readonly scope?: 'svm' | 'cluster';
}

/** KeyManagerStatus are the advanced members every family has besides its reachability member. */
export interface KeyManagerStatus {
  readonly state?: KeyManagerState;
  readonly ekmip_reachability?: readonly EkmipReachability[];
}

/** parseReachability reads `{reachable, code, message}`. */
export function parseReachability(o: JsonObject, path: string): Reachability {
  const r: Mutable<Reachability> = {};
  put(r, 'reachable', optBoolean(o, 'reachable', path));
  put(r, 'code', optCode(o, 'code', path));
  put(r, 'message', optString(o, 'message', path));
  return r;
}

/** readIdentity reads uuid, svm and scope into `r` (an unknown scope is left out). */
export function readIdentity(o: JsonObject, path: string, r: Mutable<KeyManagerIdentity>): void {
  const rawScope = optString(o, 'scope', path);
  put(r, 'uuid', optString(o, 'uuid', path));
  put(r, 'svm', optObject(o, 'svm', path, (s, p) => ({ name: reqString(s, 'name', p), uuid: reqString(s, 'uuid', p) })));
  put(r, 'scope', rawScope === 'svm' || rawScope === 'cluster' ? rawScope : undefined);
}

/** readStatus reads the advanced `state` and `ekmip_reachability` members into `r`. */
export function readStatus(o: JsonObject, path: string, r: Mutable<KeyManagerStatus>): void {
  put(r, 'state', optObject(o, 'state', path, (s, p) => {
    const state: Mutable<KeyManagerState> = {};
    put(state, 'cluster_state', optBoolean(s, 'cluster_state', p));
    put(state, 'code', optCode(s, 'code', p));
    put(state, 'message', optString(s, 'message', p));
    return state;
  }));
  const ekmip = o['ekmip_reachability'];
  if (ekmip === undefined || ekmip === null) return;
  r.ekmip_reachability = asArray(ekmip, `${path}.ekmip_reachability`).map((e, i) => {
    const p = `${path}.ekmip_reachability[${i}]`;
    const eo = asObject(e, p);
    const entry: Mutable<EkmipReachability> = parseReachability(eo, p);
    put(entry, 'node', optObject(eo, 'node', p, (n, np) => {
      const node: { name?: string; uuid?: string } = {};
      put(node, 'name', optString(n, 'name', np));
      put(node, 'uuid', optString(n, 'uuid', np));
      return node;
    }));
    return entry;
  });
}
