/**
 * SimControl: the test knobs of the simulator as typed methods. The HTTP control API under
 * `/_sim/` and the in-process handle both call these, so the two cannot drift apart.
 */
import { randomUUID } from 'node:crypto';
import { type FaultRule, type FaultRuleInput, parseFaultRule } from './faults.js';
import { maskWriteOnly } from './fingerprint.js';
import type { AwsCredentials, CloudSettings, KeyActionCount, RequestLogEntry, SimState } from './state.js';

/** AwsUpdate changes what simulated AWS accepts; `acceptedCredentials: null` means "any pair". */
export interface AwsUpdate {
  readonly acceptedCredentials?: readonly AwsCredentials[] | null;
  readonly reachable?: boolean;
}

/**
 * CloudUpdate changes what simulated Azure or Google Cloud accepts: `accepted` lists the client
 * secrets / certificates (Azure) or application-credentials JSON (Google); null means "any".
 */
export interface CloudUpdate {
  readonly accepted?: readonly string[] | null;
  readonly reachable?: boolean;
}

/** AsyncUpdate turns 202 answers on or off. */
export interface AsyncUpdate {
  readonly enabled: boolean;
  /** delayMs until a job finishes. @default 200 */
  readonly delayMs?: number;
  /** fail: every job fails, with this error (true: 65537906). */
  readonly fail?: boolean | { readonly code: string; readonly message: string };
}

/** SimStats count /api requests; maxInFlight is the highest concurrency the server saw. */
export interface SimStats {
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly requests: number;
}

/** SimControl drives the simulator's test knobs. */
export class SimControl {
  /** SimControl wraps the state it changes. */
  constructor(private readonly state: SimState) {}

  /** addFault stores a validated fault rule and returns its id. */
  addFault(rule: FaultRuleInput): string {
    return this.state.faults.add(parseFaultRule(rule));
  }

  /** faults lists the active rules. */
  faults(): FaultRule[] {
    return this.state.faults.list();
  }

  /** clearFaults removes every rule (or one, by id). */
  clearFaults(id?: string): boolean {
    if (id !== undefined) return this.state.faults.remove(id);
    this.state.faults.clear();
    return true;
  }

  /** setAws changes the simulated AWS. */
  setAws(update: AwsUpdate): void {
    if (update.acceptedCredentials !== undefined) {
      this.state.aws.acceptedCredentials = update.acceptedCredentials === null ? undefined : [...update.acceptedCredentials];
    }
    if (update.reachable !== undefined) this.state.aws.reachable = update.reachable;
  }

  /** setAzure changes the simulated Azure Key Vault service. */
  setAzure(update: CloudUpdate): void {
    applyCloud(this.state.azure, update);
  }

  /** setGcp changes the simulated Google Cloud KMS. */
  setGcp(update: CloudUpdate): void {
    applyCloud(this.state.gcp, update);
  }

  /** setKmip marks an SVM (or, by the cluster's name, the admin SVM) as having a KMIP key manager configured. */
  setKmip(svm: string, configured: boolean): void {
    if (configured) this.state.kmip.add(svm);
    else this.state.kmip.delete(svm);
  }

  /** setEkmip sets one node's embedded-KMIP reachability; false when there is no such node. */
  setEkmip(node: string, reachable: boolean): boolean {
    const n = this.state.nodes.find((x) => x.name === node);
    if (n === undefined) return false;
    n.ekmipReachable = reachable;
    return true;
  }

  /** setNodeOnline takes a node down (rekey-internal then answers 65537566) or back up; false when there is no such node. */
  setNodeOnline(node: string, online: boolean): boolean {
    const n = this.state.nodes.find((x) => x.name === node);
    if (n === undefined) return false;
    n.online = online;
    return true;
  }

  /** setKeysLost makes an SVM's keys unavailable on ONTAP though its key manager is reachable, until a restore succeeds. */
  setKeysLost(svm: string, lost: boolean): void {
    if (lost) this.state.keysLost.add(svm);
    else this.state.keysLost.delete(svm);
  }

  /** setKeyManagerBlocked marks an SVM's (or, by the cluster's name, the admin SVM's) external key manager blocked: rekey-internal answers 65537556. */
  setKeyManagerBlocked(svm: string, blocked: boolean): void {
    if (blocked) this.state.blocked.add(svm);
    else this.state.blocked.delete(svm);
  }

  /**
   * keyGenerations counts the successful rekey-internal calls per SVM name (the cluster's name
   * for the cluster scope), across families and records; an SVM never rekeyed is absent (0).
   * A rekey-internal answered with a job counts when the job succeeds; a failed one never does.
   */
  keyGenerations(): Record<string, number> {
    return Object.fromEntries(this.state.keyGenerations);
  }

  /** keyActions lists, per key-manager record (deleted ones too), its successful rekey-internal and restore calls. */
  keyActions(): KeyActionCount[] {
    return [...this.state.keyActions.values()].map((c) => ({ ...c }));
  }

  /** setKeysInUse marks an SVM (or, by the cluster's name, the admin SVM) as holding keys. */
  setKeysInUse(svm: string, inUse: boolean): void {
    if (inUse) this.state.keysInUse.add(svm);
    else this.state.keysInUse.delete(svm);
  }

  /**
   * keyManagers lists the onboard and external key managers as stored, key servers included,
   * write-only values (passphrase, key-server passwords) as fingerprints.
   */
  keyManagers(): unknown[] {
    return [...this.state.securityKeyManagers.values()].map((r) => maskWriteOnly(r));
  }

  /** certificates lists the installed certificates as stored, private keys as fingerprints. */
  certificates(): unknown[] {
    return [...this.state.certificates.values()].map((c) => maskWriteOnly(c));
  }

  /**
   * onboardPassphrase tells whether an Onboard Key Manager is configured and whether its stored
   * passphrase equals `candidate`; the passphrase itself never leaves the simulator.
   */
  onboardPassphrase(candidate: string): { readonly configured: boolean; readonly matches: boolean } {
    const okm = [...this.state.securityKeyManagers.values()].find((r) => r.kind === 'onboard');
    return { configured: okm !== undefined, matches: okm?.kind === 'onboard' && okm.passphrase === candidate };
  }

  /**
   * setOnboardSyncNeeded simulates a node that joined the cluster and lacks the onboard keys
   * (the node is added when there is no node of that name): the Onboard Key Manager's status
   * then names it, until a PATCH with onboard.synchronize and the right passphrase. `needed:
   * false` clears the node. False when no Onboard Key Manager is configured.
   */
  setOnboardSyncNeeded(node: string, needed: boolean): boolean {
    const okm = [...this.state.securityKeyManagers.values()].find((r) => r.kind === 'onboard');
    if (okm?.kind !== 'onboard') return false;
    if (needed && !this.state.nodes.some((n) => n.name === node)) {
      this.state.nodes.push({ name: node, uuid: randomUUID(), ekmipReachable: true, online: true });
    }
    okm.unsyncedNodes = okm.unsyncedNodes.filter((n) => n !== node);
    if (needed) okm.unsyncedNodes.push(node);
    return true;
  }

  /** setKeyServerReachable marks a key server (`host:port`) not responding (or responding again) on one node; false when there is no such node. */
  setKeyServerReachable(server: string, node: string, reachable: boolean): boolean {
    if (!this.state.nodes.some((n) => n.name === node)) return false;
    const down = this.state.keyServerDown.get(server) ?? new Set<string>();
    if (reachable) down.delete(node);
    else down.add(node);
    if (down.size === 0) this.state.keyServerDown.delete(server);
    else this.state.keyServerDown.set(server, down);
    return true;
  }

  /** setKeysOnlyOn marks a key server (`host:port`) as holding keys available on no other server: its DELETE answers 65536700. */
  setKeysOnlyOn(server: string, only: boolean): void {
    if (only) this.state.keysOnlyOn.add(server);
    else this.state.keysOnlyOn.delete(server);
  }

  /** setAsync turns 202-with-job answers for writes on or off. */
  setAsync(update: AsyncUpdate): void {
    const fail =
      update.fail === undefined || update.fail === false
        ? undefined
        : update.fail === true
          ? { code: '65537906', message: 'Failed to store the secret access key.' }
          : { code: update.fail.code, message: update.fail.message };
    this.state.async = { enabled: update.enabled, delayMs: update.delayMs ?? 200, fail };
  }

  /** setJobRetention sets how long finished jobs stay visible. */
  setJobRetention(ms: number): void {
    this.state.jobRetentionMs = ms;
  }

  /** requests returns the request log (write-only values as fingerprints). */
  requests(): RequestLogEntry[] {
    return [...this.state.requestLog];
  }

  /** clearRequests empties the request log and resets the concurrency high-water mark. */
  clearRequests(): void {
    this.state.requestLog.length = 0;
    this.state.maxInFlight = this.state.inFlight;
  }

  /** stats reports request counts and concurrency. */
  stats(): SimStats {
    return { inFlight: this.state.inFlight, maxInFlight: this.state.maxInFlight, requests: this.state.requestLog.length };
  }

  /** dump is the whole state, secrets as fingerprints. */
  dump(): Record<string, unknown> {
    return this.state.dump();
  }

  /** reset returns the simulator to its starting state. */
  reset(): void {
    this.state.reset();
  }
}

function applyCloud(cloud: CloudSettings, update: CloudUpdate): void {
  if (update.accepted !== undefined) cloud.accepted = update.accepted === null ? undefined : [...update.accepted];
  if (update.reachable !== undefined) cloud.reachable = update.reachable;
}
