/**
 * The shape handlers answer with, and how a write is answered: at once, or (async mode) with a
 * 202 and a job that applies the write when it finishes, unless `return_timeout` lets the server
 * wait for the job, as ONTAP does.
 */
import { SimError, type JsonBody, unexpectedArgument } from './http.js';
import { parseReturnTimeout } from './query.js';
import type { SimState } from './state.js';

/** Reply is a handler's successful answer. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Ctx is what a handler gets about one request. */
export interface Ctx {
  readonly state: SimState;
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly body: JsonBody | undefined;
  /** jobFault is a fault rule's error meant for the request's job (FaultRuleInput.job); runWrite marks it used. */
  readonly jobFault?: JobFault;
}

/** JobFault is an injected error for a write's job; `used` once runWrite has taken it. */
export interface JobFault {
  readonly error: SimError;
  used: boolean;
}

/** allowParams refuses every query parameter not in `allowed` (ONTAP: 262179). */
export function allowParams(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) if (!allowed.includes(key)) throw unexpectedArgument(key);
}

/**
 * runWrite answers a write: synchronously, or with a job when async mode is on. `operation`
 * does the cluster-side work and may throw a SimError, which then becomes the job's error.
 * A fault rule's `job` error (ctx.jobFault) fails the job, or, answered synchronously, the request.
 * `location`, for a POST that creates a record, is the 202's `Location` header: a collection
 * query that finds the record once the job has made it (ONTAP cannot name a uuid it has not
 * assigned yet; NetApp's clients follow that query to hydrate the new object).
 * `alwaysJob` answers with a job even when async mode is off: ONTAP does so for some writes
 * whatever the cluster (a key-manager PATCH with `validate_certificates=true`).
 */
export async function runWrite(ctx: Ctx, description: string, operation: () => Reply, location?: string, alwaysJob = false): Promise<Reply> {
  const returnTimeout = parseReturnTimeout(ctx.params) ?? 0;
  const { state } = ctx;
  const injected = ctx.jobFault;
  if (injected !== undefined) injected.used = true;
  if (!state.async.enabled && !alwaysJob) {
    if (injected !== undefined) throw injected.error;
    return operation();
  }
  let result: Reply | undefined;
  const fail = state.async.fail;
  const job = state.jobs.start(
    description,
    state.async.delayMs,
    () => {
      result = operation();
    },
    injected?.error ?? (fail === undefined ? undefined : new SimError(400, fail.code, fail.message)),
  );
  if (returnTimeout * 1000 >= state.async.delayMs) {
    // The job finishes within return_timeout: ONTAP then answers as if synchronous.
    await state.jobs.settled(job.uuid);
    if (job.state === 'success' && result !== undefined) return result;
    throw new SimError(400, job.error?.code ?? '1', job.error?.message ?? job.message, job.error?.target);
  }
  return {
    status: 202,
    ...(location === undefined ? {} : { headers: { location } }),
    body: { job: { uuid: job.uuid, _links: { self: { href: `/api/cluster/jobs/${job.uuid}` } } } },
  };
}
