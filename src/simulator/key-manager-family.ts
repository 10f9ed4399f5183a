/**
 * SimKeyManagerFamily: what the simulator needs to know about one cloud key-manager endpoint
 * family (aws-kms, azure-key-vaults, gcp-kms) so one set of handlers serves them all: where its
 * records live, how a record looks to a GET, which fields its writes take, how it talks to "the
 * cloud", and its ONTAP error codes. Also the view members every family renders the same way.
 */
import { randomUUID } from 'node:crypto';
import type { FieldRules, Fields, Kind, SvmInput } from './key-manager-validate.js';
import type { CollectionSpec } from './query.js';
import type { KeyManagerFamilyName, SimNode, SimState, SimSvm } from './state.js';

/** StoredKeyManager is what every family's stored record has. */
export interface StoredKeyManager {
  readonly uuid: string;
  readonly svm: SimSvm | undefined;
  readonly scope: 'svm' | 'cluster';
  /** enabled is false for a configuration created inactive (Azure's `create_inactive`). */
  readonly enabled: boolean;
}

/** ErrorSpec is an ONTAP error a family answers with. */
export interface ErrorSpec {
  readonly code: string;
  readonly message: string;
}

/** FamilyErrors are the family's codes for the conditions every family shares. */
export interface FamilyErrors {
  /** notConfigured: PATCH/DELETE/actions on a record that is gone. */
  readonly notConfigured: ErrorSpec;
  /** keysInUse: DELETE while volume encryption keys are stored on the key manager. */
  readonly keysInUse: ErrorSpec;
  /** rekeyFailed: rekey-external while the cloud is unreachable. */
  readonly rekeyFailed: ErrorSpec;
  /** restoreFailed: restore while the cloud is unreachable. */
  readonly restoreFailed: ErrorSpec;
  /** noInputs: an empty PATCH. */
  readonly noInputs: ErrorSpec;
  /**
   * rekeyInternalNotConfigured / restoreNotConfigured: the action on a record that is gone (its
   * job ran after a DELETE) or inactive (Azure's create_inactive). Same codes as notConfigured,
   * worded as each family's action page words them.
   */
  readonly rekeyInternalNotConfigured: ErrorSpec;
  readonly restoreNotConfigured: ErrorSpec;
  /** keyManagerBlocked: rekey-internal while the SVM's external key manager is blocked (65537556). */
  readonly keyManagerBlocked: ErrorSpec;
}

/**
 * NODES_OFFLINE is rekey-internal's 65537566 while a node is down, worded as ONTAP's
 * `POST /security/aws-kms/{uuid}/rekey-internal` page words it. The Azure and GCP pages do not
 * list it; the simulator answers it for them too (the check is the cluster's, not the cloud's).
 */
export const NODES_OFFLINE: ErrorSpec = { code: '65537566', message: 'Internal error. All nodes in the cluster are not currently online.' };

/** KEY_MANAGER_BLOCKED is 65537556 as the aws-kms rekey-internal page words it. */
export const KEY_MANAGER_BLOCKED: ErrorSpec = {
  code: '65537556',
  message: 'Unable to successfully encrypt or decrypt because the configured external key manager for the given SVM is in a blocked state.',
};

/**
 * fallbackErrors are the codes the simulator answers for conditions whose Azure or GCP code it
 * could not find in ONTAP's reference (only the aws-kms pages name them, docs/ontap-rest.md): the
 * aws-kms code for the same condition, worded for `cloud`. Change them here once known.
 */
export function fallbackErrors(cloud: string): {
  readonly rekeyFailed: ErrorSpec;
  readonly noInputs: ErrorSpec;
  readonly invalidCredentials: ErrorSpec;
  readonly unreachable: ErrorSpec;
  readonly keyManagerBlocked: ErrorSpec;
} {
  return {
    keyManagerBlocked: KEY_MANAGER_BLOCKED,
    rekeyFailed: { code: '65537919', message: 'External rekey failed on one or more nodes.' },
    noInputs: { code: '65537541', message: 'No inputs were provided for the patch request.' },
    invalidCredentials: { code: '65537921', message: `Unable to connect to ${cloud} using these credentials.` },
    unreachable: { code: '65537915', message: `${cloud} is not reachable from all nodes.` },
  };
}

/** SimKeyManagerFamily describes one endpoint family to the generic handlers. */
export interface SimKeyManagerFamily<R extends StoredKeyManager> {
  /** name is the collection's last segment, as the action counters name the family. */
  readonly name: KeyManagerFamilyName;
  /** base is the collection path, e.g. `/api/security/gcp-kms`. */
  readonly base: string;
  readonly spec: CollectionSpec;
  readonly rules: FieldRules;
  readonly errors: FamilyErrors;
  /** rekeyExternal: the fields rekey-external takes, and the required ones. */
  readonly rekeyExternal: { readonly kinds: Readonly<Record<string, Kind>>; readonly required: readonly string[] };
  /** createParams: query parameters POST takes besides return_records and return_timeout. */
  readonly createParams: readonly string[];
  /** records is the family's store in the state. */
  records(state: SimState): Map<string, R>;
  /** view renders a record with every GET-visible field, advanced ones included. */
  view(state: SimState, r: R): Record<string, unknown>;
  /** checkCreate / checkPatch: family checks on a validated body, before any state is read. */
  checkCreate(input: { readonly svm: SvmInput | undefined; readonly fields: Readonly<Fields> }, params: URLSearchParams): void;
  checkPatch(fields: Readonly<Fields>): void;
  /** build makes the stored record of a POST, checking the credentials with the cloud. */
  build(state: SimState, svm: SimSvm | undefined, fields: Readonly<Fields>, params: URLSearchParams): R;
  /** patch checks changed credentials with the cloud (unless told to skip), then applies `fields`. */
  patch(state: SimState, r: R, fields: Readonly<Fields>): void;
  /** rekey applies a validated rekey-external body. */
  rekey(r: R, fields: Readonly<Fields>): void;
  /** reachable tells whether the record's cloud answers with its credentials. */
  reachable(state: SimState, r: R): boolean;
}

/** CloudStatus names a family's reachability member and its codes for the advanced members. */
export interface CloudStatus {
  /** member is the reachability member: `amazon_reachability`, `azure_reachability`, `google_reachability`. */
  readonly member: string;
  readonly unreachable: ErrorSpec;
  /** unavailable: `state` when key protection is unavailable; its message is followed by the nodes. */
  readonly unavailable: ErrorSpec;
}

/** familySpec is the collection spec of a family: keys uuid, svm and scope; advanced state and reachability. */
export function familySpec(base: string, fields: readonly string[], cloud: CloudStatus): CollectionSpec {
  return { basePath: base, fields, advanced: ['state', cloud.member, 'ekmip_reachability'], keys: ['uuid', 'svm', 'scope'] };
}

/** newIdentity is the identity of a new record: a fresh uuid, its SVM (none: the cluster scope), enabled. */
export function newIdentity(svm: SimSvm | undefined): StoredKeyManager {
  return { uuid: randomUUID(), svm, scope: svm === undefined ? 'cluster' : 'svm', enabled: true };
}

/** identityMembers are the first members of every view: uuid, svm (absent for the cluster scope), scope. */
export function identityMembers(r: StoredKeyManager): Record<string, unknown> {
  const svm = r.svm === undefined ? {} : { svm: { name: r.svm.name, uuid: r.svm.uuid, _links: { self: { href: `/api/svm/svms/${r.svm.uuid}` } } } };
  return { uuid: r.uuid, ...svm, scope: r.scope };
}

/** selfLink is the `_links` of a record's view. */
export function selfLink(base: string, uuid: string): Record<string, unknown> {
  return { _links: { self: { href: `${base}/${uuid}` } } };
}

/**
 * statusMembers renders the advanced members every family has: `state` (key protection per
 * node), `<cloud>_reachability` and `ekmip_reachability`, from the cloud's answer and the nodes.
 */
export function statusMembers(nodes: readonly SimNode[], ok: boolean, cloud: CloudStatus, keysLost = false): Record<string, unknown> {
  const down = nodes.filter((n) => !ok || !n.ekmipReachable || keysLost).map((n) => n.name);
  return {
    state:
      down.length === 0
        ? { cluster_state: true, code: '0', message: '' }
        : { cluster_state: false, code: cloud.unavailable.code, message: `${cloud.unavailable.message} ${down.join(', ')}.` },
    [cloud.member]: ok
      ? { reachable: true, code: '0', message: '' }
      : { reachable: false, code: cloud.unreachable.code, message: cloud.unreachable.message },
    ekmip_reachability: nodes.map((n) => ({
      node: { name: n.name, uuid: n.uuid, _links: { self: { href: `/api/cluster/nodes/${n.uuid}` } } },
      reachable: n.ekmipReachable,
      code: n.ekmipReachable ? '0' : '65537552',
      message: n.ekmipReachable ? '' : 'embedded KMIP server status unavailable on node.',
    })),
  };
}

/** optional copies the members of `r` named in `keys` that are set. */
export function optional<R extends object>(r: R, keys: readonly (keyof R & string)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r[k] !== undefined) out[k] = r[k];
  return out;
}

/** assignDefined copies the string and number fields named in `keys` from a validated body onto a record. */
export function assignDefined(target: object, fields: Readonly<Fields>, keys: readonly string[]): void {
  const t = target as Record<string, unknown>;
  for (const k of keys) if (fields[k] !== undefined) t[k] = fields[k];
}
