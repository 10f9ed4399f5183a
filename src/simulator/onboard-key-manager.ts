/**
 * The Onboard Key Manager as `/api/security/key-managers` serves it: its body rules (a
 * cluster-wide passphrase of 32-256 ASCII characters, `synchronize`), its `onboard` view with a
 * `key_backup` derived from the state, and its `status` (keys to synchronize on a node that
 * joined). The passphrase itself never leaves the record.
 */
import { createHash } from 'node:crypto';
import { invalidField, SimError, unexpectedArgument } from './http.js';
import { ONBOARD_STATUS, SECURITY_ERRORS } from './security-errors.js';
import type { StoredOnboard } from './security-records.js';

/** OnboardInput is a validated `onboard` member of a POST or PATCH body. */
export interface OnboardInput {
  readonly passphrase?: string;
  readonly existing_passphrase?: string;
  readonly synchronize?: boolean;
}

/** ONBOARD_POSTABLE / ONBOARD_PATCHABLE are the library's SecurityKeyManagerOnboard postable and patchable fields. */
const ONBOARD_POSTABLE = ['passphrase', 'synchronize'] as const;
const ONBOARD_PATCHABLE = ['passphrase', 'existing_passphrase', 'synchronize'] as const;

/** parseOnboard checks the `onboard` object of a POST (`create`) or PATCH body; the passphrase rules are ONTAP's 32-256 ASCII. */
export function parseOnboard(v: unknown, create: boolean): OnboardInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidField('onboard', 'The value for field "onboard" must be an object.');
  const allowed: readonly string[] = create ? ONBOARD_POSTABLE : ONBOARD_PATCHABLE;
  const out: { passphrase?: string; existing_passphrase?: string; synchronize?: boolean } = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'enabled' || k === 'key_backup') throw unexpectedArgument(`onboard.${k}`, 'This field is read-only.');
    if (!allowed.includes(k)) throw unexpectedArgument(`onboard.${k}`, create ? 'This field can be set only with PATCH.' : '');
    if (k === 'synchronize') {
      if (typeof x !== 'boolean') throw invalidField('onboard.synchronize', 'Invalid value for field "onboard.synchronize": expected a boolean.');
      out.synchronize = x;
    } else {
      if (typeof x !== 'string') throw invalidField(`onboard.${k}`, `Invalid value for field "onboard.${k}": expected a string.`);
      out[k as 'passphrase' | 'existing_passphrase'] = x;
    }
  }
  if (create && out.passphrase === undefined) throw invalidField('onboard.passphrase', 'Missing value for required field "onboard.passphrase".');
  if (out.passphrase !== undefined) checkPassphrase(out.passphrase, 'onboard.passphrase');
  if (!create) checkPatchShape(out);
  return out;
}

/** checkPassphrase refuses a passphrase outside 32-256 printable ASCII characters. */
function checkPassphrase(p: string, target: string): void {
  const e = SECURITY_ERRORS.passphraseLength;
  if (p.length < 32 || p.length > 256 || !/^[\x20-\x7e]*$/.test(p)) throw new SimError(400, e.code, e.message, target);
}

/**
 * checkPatchShape: a PATCH either changes the passphrase (`passphrase` with
 * `existing_passphrase`) or synchronizes (`synchronize: true` with `existing_passphrase`), as
 * the library's two PATCH examples do; anything else is missing its required field.
 */
function checkPatchShape(o: OnboardInput): void {
  // "with onboard, changing a passphrase or synchronizing cannot be done in the same PATCH request" (NetApp's Ansible collection).
  if (o.passphrase !== undefined && o.synchronize === true) {
    throw invalidField('onboard.synchronize', 'Changing the passphrase and synchronizing cannot be done in the same request.');
  }
  if (o.passphrase === undefined && o.synchronize !== true) {
    throw invalidField('onboard.passphrase', 'Either "onboard.passphrase" or "onboard.synchronize": true must be given.');
  }
  if (o.existing_passphrase === undefined) {
    throw invalidField('onboard.existing_passphrase', 'Missing value for required field "onboard.existing_passphrase".');
  }
}

/** applyOnboardPatch checks the existing passphrase against the record and applies a validated PATCH. */
export function applyOnboardPatch(r: StoredOnboard, o: OnboardInput): void {
  if (o.existing_passphrase !== r.passphrase) {
    const e = SECURITY_ERRORS.passphraseIncorrect;
    throw new SimError(400, e.code, e.message, 'onboard.existing_passphrase');
  }
  if (o.passphrase !== undefined && o.passphrase === r.passphrase) {
    const e = SECURITY_ERRORS.passphraseUnchanged;
    throw new SimError(400, e.code, e.message, 'onboard.passphrase');
  }
  if (o.passphrase !== undefined) r.passphrase = o.passphrase;
  // Only a synchronize puts the keys on the nodes that lack them ("security key-manager onboard sync").
  if (o.synchronize === true) r.unsyncedNodes = [];
  r.backupGeneration++;
}

const BEGIN = `${'-'.repeat(26)}BEGIN BACKUP${'-'.repeat(26)}`;
const END = `${'-'.repeat(27)}END BACKUP${'-'.repeat(27)}`;

/**
 * keyBackup renders `onboard.key_backup` in ONTAP's BEGIN/END BACKUP shape: base64 lines of 64
 * characters starting with "NetApp Key Blob", as the library's example. Its content is derived
 * from the record's uuid, a hash of the passphrase and the backup generation, so it changes with
 * every passphrase change or synchronize and never contains the passphrase.
 */
export function keyBackup(r: StoredOnboard): string {
  const seed = createHash('sha256').update(`${r.uuid}\0${r.backupGeneration}\0`).update(createHash('sha256').update(r.passphrase).digest()).digest();
  const blocks = [Buffer.from('NetApp Key Blob\0', 'latin1')];
  for (let i = 0; i < 12; i++) blocks.push(createHash('sha256').update(seed).update(String(i)).digest());
  const text = Buffer.concat(blocks).toString('base64');
  const lines = text.match(/.{1,64}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/** onboardStatus is the record's `status`: 0 when every node has the keys, else the nodes that must synchronize. */
export function onboardStatus(r: StoredOnboard): { code: number; message: string } {
  if (r.unsyncedNodes.length === 0) return { ...ONBOARD_STATUS.ok };
  const nodes = r.unsyncedNodes.join(', ');
  return {
    code: ONBOARD_STATUS.syncNeeded.code,
    message: `${ONBOARD_STATUS.syncNeeded.message}${r.unsyncedNodes.length > 1 ? 's' : ''} ${nodes}. Synchronize them with PATCH onboard.synchronize=true and the existing passphrase ("security key-manager onboard sync").`,
  };
}
