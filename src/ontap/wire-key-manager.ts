/**
 * Wire members every cloud key-manager family shares (aws-kms, azure-key-vaults, gcp-kms): the
 * svm reference, the scope, the advanced `state`, `<cloud>_reachability` and
 * `ekmip_reachability` members, and their parsers, so each family's parser reads only its own fields.
 */
import { asArray, asObject, defined, type JsonObject, optBoolean, optCode, optObject, optString, reqString } from '../json/read.js';

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
  return {
    ...defined('reachable', optBoolean(o, 'reachable', path)),
    ...defined('code', optCode(o, 'code', path)),
    ...defined('message', optString(o, 'message', path)),
  };
}

/** parseIdentity reads uuid, svm and scope (an unknown scope is left out). */
export function parseIdentity(o: JsonObject, path: string): KeyManagerIdentity {
  const rawScope = optString(o, 'scope', path);
  const scope: 'svm' | 'cluster' | undefined = rawScope === 'svm' || rawScope === 'cluster' ? rawScope : undefined;
  return {
    ...defined('uuid', optString(o, 'uuid', path)),
    ...defined('svm', optObject(o, 'svm', path, (s, p) => ({ name: reqString(s, 'name', p), uuid: reqString(s, 'uuid', p) }))),
    ...defined('scope', scope),
  };
}

/** parseStatus reads the advanced `state` and `ekmip_reachability` members. */
export function parseStatus(o: JsonObject, path: string): KeyManagerStatus {
  const ekmip = o['ekmip_reachability'];
  return {
    ...defined('state', optObject(o, 'state', path, (s, p) => ({
      ...defined('cluster_state', optBoolean(s, 'cluster_state', p)),
      ...defined('code', optCode(s, 'code', p)),
      ...defined('message', optString(s, 'message', p)),
    }))),
    ...defined(
      'ekmip_reachability',
      ekmip === undefined || ekmip === null
        ? undefined
        : asArray(ekmip, `${path}.ekmip_reachability`).map((e, i) => {
            const p = `${path}.ekmip_reachability[${i}]`;
            const eo = asObject(e, p);
            return {
              ...parseReachability(eo, p),
              ...defined('node', optObject(eo, 'node', p, (n, np) => ({
                ...defined('name', optString(n, 'name', np)),
                ...defined('uuid', optString(n, 'uuid', np)),
              }))),
            };
          }),
    ),
  };
}
