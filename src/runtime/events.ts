/**
 * Kubernetes Events (core/v1) for what `kubectl describe` shows. Recording is fire-and-forget: it
 * never throws into and never blocks a reconcile, and a failure is only logged. Like client-go's
 * correlator, an identical event (same object, type, reason and message) within ten minutes bumps
 * the count and lastTimestamp of the Event already written instead of adding another.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventType, isNotFound, type KubeApi, type KubeObject } from './kube.js';
import type { Logger } from './logger.js';

/** EventTarget is the object an event is about. */
export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** EventRecorderOptions configure an {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** component is the `source.component` and `reportingComponent`, e.g. 'ontap-kms-operator'. */
  component: string;
  logger: Logger;
  /** dedupeWindowMs is how long a repeat updates the existing Event. @default 600000 */
  dedupeWindowMs?: number;
}

/**
 * The most distinct events remembered for de-duplication; the least recently seen go first. Those
 * not seen for the de-duplication window are forgotten anyway: they no longer de-duplicate
 * anything, and kept until this many piled up (every rotation, spec edit and error message is a
 * distinct event) they grew the heap for hours (the soak benchmark, bench/soak.ts).
 */
const MAX_REMEMBERED = 4096;
/** client-go truncates messages to this length too. */
const MAX_MESSAGE = 1024;

interface Seen {
  namespace: string;
  name: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** pending serialises writes for one key, so a burst of repeats cannot create two Events. */
  pending: Promise<void>;
}

/** EventRecorder writes Events; see the file comment. */
export class EventRecorder {
  private readonly api: KubeApi;
  private readonly component: string;
  private readonly instance: string;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly seen = new Map<string, Seen>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(api: KubeApi, opts: EventRecorderOptions) {
    this.api = api;
    this.component = opts.component;
    this.instance = hostname();
    this.logger = opts.logger;
    this.windowMs = opts.dedupeWindowMs ?? 600_000;
  }

  /** event records one event about `obj`; it returns at once and never throws. */
  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
      const key = [obj.metadata.uid ?? '', obj.kind ?? '', obj.metadata.namespace ?? '', obj.metadata.name, type, reason, text].join('\u0000');
      const now = Date.now();
      let seen = this.seen.get(key);
      // Out of the map and, if still in the window, back in at its end: the map stays in order of
      // lastSeen, so what the window has left behind is always at its start.
      this.seen.delete(key);
      if (seen !== undefined && now - seen.lastSeen > this.windowMs) seen = undefined;
      this.forgetExpired(now);
      if (seen === undefined) {
        this.forgetOldest();
        const namespace = obj.metadata.namespace || 'default';
        seen = {
          namespace,
          name: `${obj.metadata.name}.${now.toString(16)}${randomBytes(3).toString('hex')}`,
          count: 0,
          firstSeen: now,
          lastSeen: now,
          pending: Promise.resolve(),
        };
      }
      this.seen.set(key, seen);
      const entry = seen;
      entry.lastSeen = now;
      const op = entry.pending.then(() => this.write(obj, entry, type, reason, text));
      entry.pending = op;
      this.inFlight.add(op);
      void op.finally(() => this.inFlight.delete(op));
    } catch (err) {
      this.logger.warn('recording event failed', { error: err, reason });
    }
  }

  /** flush resolves once every event recorded so far has been written (or has failed); for tests and shutdown. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** write creates the Event, or bumps the count of the one already written; never rejects. */
  private async write(obj: EventTarget, seen: Seen, type: string, reason: string, message: string): Promise<void> {
    const fields = { reason, object: `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, event: seen.name };
    const count = seen.count + 1;
    const last = new Date(seen.lastSeen).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      if (seen.count > 0) {
        try {
          await this.api.mergePatch(EventType, seen.namespace, seen.name, { count, lastTimestamp: last });
          seen.count = count;
          return;
        } catch (err) {
          // The Event may have expired (events have a TTL); write it afresh.
          if (!isNotFound(err)) throw err;
          seen.name = `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`;
        }
      }
      await this.api.create(EventType, seen.namespace, this.build(obj, seen, type, reason, message, count, last));
      seen.count = count;
    } catch (err) {
      this.logger.warn('writing event failed', { ...fields, error: err });
    }
  }

  private build(
    obj: EventTarget,
    seen: Seen,
    type: string,
    reason: string,
    message: string,
    count: number,
    last: string,
  ): KubeObject {
    const first = new Date(seen.firstSeen).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const involved: Record<string, string> = { name: obj.metadata.name };
    if (obj.apiVersion !== undefined) involved.apiVersion = obj.apiVersion;
    if (obj.kind !== undefined) involved.kind = obj.kind;
    if (obj.metadata.namespace !== undefined) involved.namespace = obj.metadata.namespace;
    if (obj.metadata.uid !== undefined) involved.uid = obj.metadata.uid;
    if (obj.metadata.resourceVersion !== undefined) involved.resourceVersion = obj.metadata.resourceVersion;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: seen.name, namespace: seen.namespace },
      involvedObject: involved,
      type,
      reason,
      message,
      count,
      firstTimestamp: first,
      lastTimestamp: last,
      source: { component: this.component, host: this.instance },
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
  }

  /** remembered is how many distinct events are kept for de-duplication. */
  remembered(): number {
    return this.seen.size;
  }

  /** forgetExpired drops the events not seen within the window (the map is in order of lastSeen). */
  private forgetExpired(now: number): void {
    for (const [key, seen] of this.seen) {
      if (now - seen.lastSeen <= this.windowMs) return;
      this.seen.delete(key);
    }
  }

  private forgetOldest(): void {
    // Map iteration follows insertion order, so the first keys are the oldest.
    while (this.seen.size >= MAX_REMEMBERED) {
      const oldest = this.seen.keys().next();
      if (oldest.done) return;
      this.seen.delete(oldest.value);
    }
  }
}
