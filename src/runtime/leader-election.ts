/**
 * Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: a candidate takes
 * a Lease that is free or expired, the leader renews it every retry period, and a leader that
 * cannot renew within the renew deadline gives up. Expiry is judged by the local time at which a
 * candidate last saw the Lease change, never by the holder's clock, so clock skew between
 * replicas cannot hand the lease to two processes. Writes use the Lease's resourceVersion, so two
 * candidates racing for it cannot both win.
 */
import { sleep } from './backoff.js';
import { isConflict, type KubeApi, type KubeObject, LeaseType } from './kube.js';
import type { Logger } from './logger.js';
import { safeTimeout } from './timers.js';

/** LeaderElectorOptions configure a {@link LeaderElector}. */
export interface LeaderElectorOptions {
  /** namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** identity is unique per process, e.g. the pod name plus a random suffix. */
  identity: string;
  logger: Logger;
  /** leaseDurationMs is how long a lease not renewed stays valid for the others. @default 15000 */
  leaseDurationMs?: number;
  /** renewDeadlineMs is how long the leader keeps trying to renew before giving up. @default 10000 */
  renewDeadlineMs?: number;
  /** retryPeriodMs is the interval between acquire or renew attempts. @default 2000 */
  retryPeriodMs?: number;
}

/** LeaderCallbacks are told when this process starts and stops leading. */
export interface LeaderCallbacks {
  /** onStartedLeading runs once leadership is won; `signal` aborts when it is lost or released. */
  onStartedLeading(signal: AbortSignal): void;
  /** onStoppedLeading runs when leadership ends (lost, or released by stop); the process should exit. */
  onStoppedLeading(): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** LeaderElector campaigns for one Lease; see the file comment. */
export class LeaderElector {
  private readonly api: KubeApi;
  private readonly opts: Required<Omit<LeaderElectorOptions, 'logger'>>;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  private leading: AbortController | undefined;
  private lease: KubeObject | undefined;
  /** observedRecord and observedAt: the Lease spec last seen, and when (local clock) it changed. */
  private observedRecord = '';
  private observedAt = 0;
  private running: Promise<void> | undefined;

  constructor(api: KubeApi, opts: LeaderElectorOptions) {
    this.api = api;
    this.opts = {
      namespace: opts.namespace,
      name: opts.name,
      identity: opts.identity,
      leaseDurationMs: opts.leaseDurationMs ?? 15_000,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
    };
    if (this.opts.renewDeadlineMs >= this.opts.leaseDurationMs) {
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    }
    this.logger = opts.logger.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  }

  /**
   * run campaigns until leadership is won, then renews until it is lost or stop() is called.
   * Resolves after onStoppedLeading (or, if it never led, once stopped).
   */
  run(callbacks: LeaderCallbacks): Promise<void> {
    this.running ??= this.campaign(callbacks);
    return this.running;
  }

  /** isLeader tells whether this process holds the lease right now. */
  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** stop ends the campaign; a leader releases the lease first so that another can take over at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async campaign(callbacks: LeaderCallbacks): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted && !(await this.tryAcquireOrRenew())) {
      await sleep(this.nextAttemptIn(), stop);
    }
    if (stop.aborted) {
      // stop() may have landed while a successful acquire was in flight.
      await this.release();
      return;
    }
    this.leading = new AbortController();
    this.logger.info('became leader');
    try {
      callbacks.onStartedLeading(this.leading.signal);
    } catch (err) {
      this.logger.error('onStartedLeading failed', { error: err });
    }
    await this.renewLoop();
    if (stop.aborted) await this.release();
    this.leading.abort();
    this.leading = undefined;
    try {
      callbacks.onStoppedLeading();
    } catch (err) {
      this.logger.error('onStoppedLeading failed', { error: err });
    }
  }

  /** renewLoop returns when stop() is called or the lease could not be renewed in time. */
  private async renewLoop(): Promise<void> {
    const stop = this.stopping.signal;
    let lastRenew = Date.now();
    for (;;) {
      await sleep(this.opts.retryPeriodMs, stop);
      if (stop.aborted) return;
      // The lease counts from when the renewal was sent, not from when its answer came back:
      // the others may see the write at once, and must not see two leaders.
      const attempt = Date.now();
      const remaining = this.opts.renewDeadlineMs - (attempt - lastRenew);
      const renewed = await withTimeout(this.tryAcquireOrRenew(), Math.max(remaining, 1));
      if (renewed) {
        lastRenew = attempt;
        continue;
      }
      if (this.holder() !== this.opts.identity && this.holder() !== '') {
        this.logger.warn('lease taken by another candidate', { holder: this.holder() });
        return;
      }
      if (Date.now() - lastRenew >= this.opts.renewDeadlineMs) {
        this.logger.warn('failed to renew the lease within the renew deadline', {
          renewDeadlineMs: this.opts.renewDeadlineMs,
        });
        return;
      }
    }
  }

  /** tryAcquireOrRenew creates, takes or renews the lease; false when another holds it or a write failed. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = microTime(new Date());
    try {
      const current = await this.api.get(LeaseType, namespace, name);
      if (current === undefined) {
        this.lease = await this.api.create(LeaseType, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: this.spec({ holderIdentity: identity, acquireTime: now, renewTime: now, leaseTransitions: 0 }),
        });
        this.observe(this.lease);
        return true;
      }
      this.lease = current;
      this.observe(current);
      const spec = leaseSpec(current);
      const holder = spec.holderIdentity ?? '';
      const isMine = holder === identity;
      // Judge expiry by the holder's own lease duration (as client-go does), so replicas with
      // other settings during a rollout cannot take over early.
      const durationMs = (spec.leaseDurationSeconds ?? this.opts.leaseDurationMs / 1000) * 1000;
      if (!isMine && holder !== '' && this.observedAt + durationMs > Date.now()) return false;
      const next: LeaseSpec = isMine
        ? { ...spec, ...this.spec({ renewTime: now }) }
        : this.spec({
            holderIdentity: identity,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === '' && spec.acquireTime === undefined ? 0 : 1),
          });
      this.lease = await this.api.replace(LeaseType, namespace, name, { ...current, spec: next });
      this.observe(this.lease);
      if (!isMine) this.logger.info('acquired lease', { previousHolder: holder });
      return true;
    } catch (err) {
      // A conflict means another candidate wrote first; the next attempt reads its record.
      if (isConflict(err)) this.logger.debug('lease write conflict', {});
      else this.logger.warn('lease acquire/renew failed', { error: err });
      return false;
    }
  }

  /** release gives the lease up the way client-go's ReleaseOnCancel does: no holder, 1 s duration. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (lease === undefined || this.holder() !== this.opts.identity) return;
    const now = microTime(new Date());
    const spec: LeaseSpec = {
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: leaseSpec(lease).leaseTransitions ?? 0,
    };
    try {
      await withTimeout(
        this.api.replace(LeaseType, this.opts.namespace, this.opts.name, { ...lease, spec }).then(() => true),
        this.opts.renewDeadlineMs,
      );
      this.logger.info('released lease');
    } catch (err) {
      this.logger.warn('lease release failed; it expires on its own', { error: err });
    }
  }

  private spec(fields: LeaseSpec): LeaseSpec {
    return { leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000), ...fields };
  }

  private observe(lease: KubeObject): void {
    const record = JSON.stringify(leaseSpec(lease));
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = Date.now();
    }
  }

  /**
   * nextAttemptIn is the wait before the next try to acquire: the retry period, or less when the
   * lease another holds expires (as observed) before that, so that a standby takes over a dead
   * leader's lease when it expires rather than up to a retry period (2-2.4 s) later.
   */
  private nextAttemptIn(): number {
    const retry = jittered(this.opts.retryPeriodMs);
    const spec = this.lease === undefined ? undefined : leaseSpec(this.lease);
    const holder = spec?.holderIdentity ?? '';
    if (holder === '' || holder === this.opts.identity) return retry;
    const durationMs = (spec?.leaseDurationSeconds ?? this.opts.leaseDurationMs / 1000) * 1000;
    // Just past the expiry: tryAcquireOrRenew judges it with the same clock and would refuse at it.
    const untilExpiry = this.observedAt + durationMs - Date.now() + 5;
    return untilExpiry > 0 && untilExpiry < retry ? untilExpiry : retry;
  }

  private holder(): string {
    return this.lease === undefined ? '' : (leaseSpec(this.lease).holderIdentity ?? '');
  }
}

function leaseSpec(lease: KubeObject): LeaseSpec {
  const spec = lease.spec;
  if (typeof spec !== 'object' || spec === null) return {};
  const s = spec as Record<string, unknown>;
  const out: LeaseSpec = {};
  if (typeof s.holderIdentity === 'string') out.holderIdentity = s.holderIdentity;
  if (typeof s.leaseDurationSeconds === 'number') out.leaseDurationSeconds = s.leaseDurationSeconds;
  if (typeof s.acquireTime === 'string') out.acquireTime = s.acquireTime;
  if (typeof s.renewTime === 'string') out.renewTime = s.renewTime;
  if (typeof s.leaseTransitions === 'number') out.leaseTransitions = s.leaseTransitions;
  return out;
}

/** microTime formats a metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** jittered spreads retries of many candidates over [period, 1.2 * period), like client-go. */
function jittered(ms: number): number {
  return ms * (1 + 0.2 * Math.random());
}

/** withTimeout resolves false when `p` takes longer than `ms`; `p` is left to finish on its own. */
async function withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = safeTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
