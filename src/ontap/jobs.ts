/**
 * Following ONTAP jobs: a write answered with 202 carries a job link; the write's outcome is the
 * job's final state. A failed job becomes the same OntapApiError a synchronous failure would be,
 * so callers handle one error shape whichever way ONTAP chose to answer.
 */
import { isNotFound, OntapApiError, OntapProtocolError, OntapTimeoutError } from './errors.js';
import { ParseError } from './parse.js';
import { sleep, type Transport } from './transport.js';
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
 */
export async function waitForJob(
  transport: Transport,
  link: JobLink,
  context: string,
  call: { readonly method: string; readonly path: string; readonly httpStatus: number },
  options: JobWaitOptions = {},
): Promise<JobRecord> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxInterval = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  let interval = Math.min(100, maxInterval);
  for (;;) {
    const job = await pollJob(transport, link, context, call);
    if (job.state === 'success') return job;
    if (job.state === 'failure') throw jobError(job, context, call);
    if (Date.now() + interval > deadline) {
      throw new OntapTimeoutError({ context, method: call.method, path: call.path, timeoutMs, jobUuid: link.uuid });
    }
    await sleep(interval);
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
): Promise<JobRecord> {
  const what = `${context}: job ${link.uuid}`;
  try {
    const res = await transport.request('GET', link.href, undefined, what);
    return parseJob(res.body);
  } catch (err) {
    if (isNotFound(err)) {
      throw new OntapProtocolError(`${what}: ONTAP no longer knows the job; the outcome of the write is unknown`, call.method, call.path, { cause: err });
    }
    if (err instanceof ParseError) {
      throw new OntapProtocolError(`${what}: unreadable job: ${err.message}`, call.method, call.path, { cause: err });
    }
    throw err;
  }
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
