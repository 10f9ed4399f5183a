/**
 * Simulated ONTAP jobs: a write answered with 202 runs its operation when the job finishes,
 * queued → running → success | failure, and the finished job is forgotten after a retention
 * time (ONTAP: about 300 s), after which GET /cluster/jobs/{uuid} is a 404.
 */
import { randomUUID } from 'node:crypto';
import { SimError } from './http.js';

/** SimJobState is the lifecycle of a simulated job. */
export type SimJobState = 'queued' | 'running' | 'success' | 'failure';

/** SimJob is one job as GET /cluster/jobs/{uuid} shows it. */
export interface SimJob {
  readonly uuid: string;
  readonly description: string;
  state: SimJobState;
  message: string;
  code: number;
  startTime: string;
  endTime?: string;
  error?: { readonly code: string; readonly message: string; readonly target?: string };
}

/** JobOperation is the work a job does when it runs: it returns, or throws an ONTAP error. */
export type JobOperation = () => void;

/** JobStore runs and remembers jobs. */
export class JobStore {
  private readonly jobs = new Map<string, SimJob>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Map<string, Array<() => void>>();

  /** JobStore creates a store; `retentionMs` is read on every finish, so it may change later. */
  constructor(private readonly retention: () => number) {}

  /**
   * start queues a job that runs `operation` after `delayMs` (half queued, half running). When
   * `forcedFailure` is set the job fails with it without running the operation.
   */
  start(description: string, delayMs: number, operation: JobOperation, forcedFailure?: SimError): SimJob {
    const job: SimJob = {
      uuid: randomUUID(),
      description,
      state: 'queued',
      message: 'Queued',
      code: 0,
      startTime: new Date().toISOString(),
    };
    this.jobs.set(job.uuid, job);
    this.later(delayMs / 2, () => {
      job.state = 'running';
      job.message = 'Running';
    });
    this.later(delayMs, () => this.finish(job, operation, forcedFailure));
    return job;
  }

  /** get returns a job, or undefined once forgotten. */
  get(uuid: string): SimJob | undefined {
    return this.jobs.get(uuid);
  }

  /** list returns every remembered job. */
  list(): SimJob[] {
    return [...this.jobs.values()];
  }

  /** settled resolves once the job has finished (at once if it already has or is unknown). */
  settled(uuid: string): Promise<void> {
    const job = this.jobs.get(uuid);
    if (job === undefined || job.state === 'success' || job.state === 'failure') return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(uuid) ?? [];
      list.push(resolve);
      this.waiters.set(uuid, list);
    });
  }

  /** clear forgets every job and cancels pending ones. */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.jobs.clear();
    for (const list of this.waiters.values()) for (const w of list) w();
    this.waiters.clear();
  }

  private finish(job: SimJob, operation: JobOperation, forcedFailure: SimError | undefined): void {
    try {
      if (forcedFailure !== undefined) throw forcedFailure;
      operation();
      job.state = 'success';
      job.message = 'success';
      job.code = 0;
    } catch (err) {
      const e = err instanceof SimError ? err : new SimError(500, '1', err instanceof Error ? err.message : String(err));
      job.state = 'failure';
      job.message = e.message;
      job.code = Number(e.code);
      job.error = { code: e.code, message: e.message, ...(e.target !== undefined ? { target: e.target } : {}) };
    }
    job.endTime = new Date().toISOString();
    for (const w of this.waiters.get(job.uuid) ?? []) w();
    this.waiters.delete(job.uuid);
    this.later(this.retention(), () => this.jobs.delete(job.uuid));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}

/** jobJson renders a job as ONTAP's GET /cluster/jobs/{uuid} does. */
export function jobJson(job: SimJob): Record<string, unknown> {
  return {
    uuid: job.uuid,
    description: job.description,
    state: job.state,
    message: job.message,
    code: job.code,
    start_time: job.startTime,
    ...(job.endTime !== undefined ? { end_time: job.endTime } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
    _links: { self: { href: `/api/cluster/jobs/${job.uuid}` } },
  };
}
