/**
 * Following ONTAP jobs: a write answered with 202 carries a job link; the write's outcome is the
 * job's final state. A failed job becomes the same OntapApiError a synchronous failure would be,
 * so callers handle one error shape whichever way ONTAP chose to answer.
 */
import { sleep } from '../runtime/backoff.js';
import { isNotFound, OntapAbortedError, OntapApiError, OntapProtocolError, OntapTimeoutError } from './errors.js';
import { ParseError } from '../json/read.js';
import { isAborted, type Transport } from './transport.js';
import { type JobLink, type JobRecord, parseJob } from './wire.js';

/** JobWaitOptions bound how a job is followed. */
export interface JobWaitOptions {
  /** timeoutMs is the longest total wait for the job to finish. @default 120000 */
  readonly timeoutMs?: number | undefined;
  /** pollIntervalMs is the longest pause between polls; polling starts faster and backs off to it. @default 2000 */
  readonly pollIntervalMs?: number | undefined;
}

/**
 * waitForJob polls the job until it succeeds (returns the job) or fails (throws OntapApiError
 * with the job's code and message). `method`/`path` are those of the call that started the job.
 * `signal` stops the polling at once with an OntapAbortedError: the write was sent, so its
 * outcome is unknown.
 */
export async function waitForJob(
  transport: Transport,
  link: JobLink,
  context: string,
  call: { readonly method: string; readonly path: string; readonly httpStatus: number },
  options: JobWaitOptions = {},
  signal?: AbortSignal,
): Promise<JobRecord> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxInterval = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  let interval = Math.min(100, maxInterval);
  for (;;) {
    const job = await pollJob(transport, link, context, call, signal);
    if (job.state === 'success') return job;
    if (job.state === 'failure') throw jobError(job, context, call);
    if (Date.now() + interval > deadline) {
      throw new OntapTimeoutError({ context, method: call.method, path: call.path, timeoutMs, jobUuid: link.uuid });
    }
    await sleep(interval, signal);
    if (isAborted(signal)) throw jobAborted(link, context, call);
    interval = Math.min(interval * 2, maxInterval);
  }
}

/**
 * pollJob reads the job once. A job ONTAP no longer knows (it forgets finished jobs) or cannot
 * describe says nothing of the write's outcome: that is a protocol error, never a "not found"
 * a caller could take for "the object is already gone".
 */
async function pollJob(
  transport: Transport,
  link: JobLink,
  context: string,
  call: { readonly method: string; readonly path: string },
  signal: AbortSignal | undefined,
): Promise<JobRecord> {
  const what = `${context}: job ${link.uuid}`;
  try {
    const res = await transport.request('GET', link.href, undefined, what, signal);
    return parseJob(res.body);
  } catch (err) {
    // The poll is a GET, but what was cut short is the write: say its outcome is unknown.
    if (err instanceof OntapAbortedError) throw jobAborted(link, context, call, err);
    if (isNotFound(err)) {
      throw new OntapProtocolError(`${what}: ONTAP no longer knows the job; the outcome of the write is unknown`, call.method, call.path, { cause: err });
    }
    if (err instanceof ParseError) {
      throw new OntapProtocolError(`${what}: unreadable job: ${err.message}`, call.method, call.path, { cause: err });
    }
    throw err;
  }
}

function jobAborted(link: JobLink, context: string, call: { readonly method: string; readonly path: string }, cause?: unknown): OntapAbortedError {
  return new OntapAbortedError({ context, method: call.method, path: call.path, outcomeUnknown: true, jobUuid: link.uuid, cause });
}

/** jobError turns a failed job into an OntapApiError: `error{code,message}` first, else `code`/`message`. */
export function jobError(
  job: JobRecord,
  context: string,
  call: { readonly method: string; readonly path: string; readonly httpStatus: number },
): OntapApiError {
  return new OntapApiError({
    context,
    method: call.method,
    path: call.path,
    httpStatus: call.httpStatus,
    code: job.error?.code ?? job.code ?? '',
    message: job.error?.message ?? job.message ?? `job ${job.uuid} failed`,
    target: job.error?.target,
    jobUuid: job.uuid,
  });
}
