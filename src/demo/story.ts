/**
 * The demo's story, step by step: the examples applied, the ONTAP record created, Ready, an
 * out-of-band change corrected, a Secret rotated. Every claim is shown from the source (the
 * simulator's ONTAP REST API and request log, kubectl); no secret value is ever printed.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fingerprint } from '../simulator/fingerprint.js';
import { describe, loadExample, toYaml, type SimTarget } from './examples.js';
import { field, httpsJson, type HttpsJsonOptions } from './https-json.js';
import type { Kubectl } from './kubectl.js';
import type { Narrator } from './narrator.js';

/** Stage is what the story acts on. */
export interface Stage {
  readonly say: Narrator;
  readonly kubectl: Kubectl;
  /** ontap is the simulator's ONTAP REST API, as the admin user. */
  readonly ontap: HttpsJsonOptions;
  /** control is the simulator's /_sim/ control API. */
  readonly control: HttpsJsonOptions;
  readonly target: SimTarget;
  /** logFile is where the operator logs, named in timeout errors. */
  readonly logFile: string;
  /** signal aborts the waits (Ctrl-C). */
  readonly signal: AbortSignal;
}

const NS = 'storage';
const KMS = 'svm1-kms';
const CLUSTER = 'prod-a';
const AWS_SECRET = 'svm1-aws';
const RECORD_FIELDS = 'uuid,svm.name,scope,key_id,region,service,host,port,polling_period,timeout,verify,proxy_type,proxy_host,proxy_port,encryption_context,state,amazon_reachability';

interface LoggedRequest {
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body?: unknown;
}

/** waitFor polls `probe` until it returns a value, or fails after `timeoutMs` naming `what`. */
async function waitFor<T>(stage: Stage, what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; the operator's log is ${stage.logFile}`);
    }
    await sleep(250, undefined, { signal: stage.signal });
  }
}

async function record(stage: Stage): Promise<Record<string, unknown> | undefined> {
  const res = await httpsJson(stage.ontap, 'GET', `/api/security/aws-kms?svm.name=svm1&fields=${RECORD_FIELDS}`);
  const first = field(res.body, 'records', 0);
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

async function requestLog(stage: Stage): Promise<LoggedRequest[]> {
  const res = await httpsJson(stage.control, 'GET', '/_sim/requests');
  const list = field(res.body, 'requests');
  return Array.isArray(list) ? (list as LoggedRequest[]) : [];
}

/** showRequest prints one logged request; write-only values are fingerprints in the log already. */
function showRequest(stage: Stage, r: LoggedRequest): void {
  stage.say.block(`${r.time}  ${r.method} ${r.path} -> ${r.status}${r.body === undefined ? '' : `\n${JSON.stringify(maskAccessKey(r.body), null, 2)}`}`);
}

/** maskAccessKey hides the AWS access key id as well: not a secret to AWS, but not for a terminal either. */
function maskAccessKey(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const o = { ...(body as Record<string, unknown>) };
  if (typeof o.access_key_id === 'string') o.access_key_id = `${o.access_key_id.slice(0, 4)}…(${o.access_key_id.length} chars)`;
  return o;
}

function condition(obj: unknown, type: string): string | undefined {
  const conds: unknown = field(obj, 'status', 'conditions');
  if (!Array.isArray(conds)) return undefined;
  const c: unknown = conds.find((x) => field(x, 'type') === type);
  const status = field(c, 'status');
  const reason = field(c, 'reason');
  return typeof status === 'string' ? `${status} ${typeof reason === 'string' ? reason : ''}`.trim() : undefined;
}

/** applyExamples creates the namespace and applies the two examples, rewritten for the simulator. */
export async function applyExamples(stage: Stage): Promise<void> {
  stage.say.title(`Creating namespace ${NS} and applying examples/ontap-cluster.yaml and examples/ontap-aws-kms.yaml`);
  stage.say.say('rewritten for the simulator: OntapCluster endpoint, CA Secret, ONTAP credentials; driftCheckIntervalSeconds: 10');
  await stage.kubectl.run(['create', 'namespace', NS]);
  for (const file of ['ontap-cluster.yaml', 'ontap-aws-kms.yaml']) {
    const objects = await loadExample(file, stage.target);
    await stage.kubectl.apply(toYaml(objects));
    stage.say.say(`applied ${file}: ${objects.map(describe).join(', ')}`);
  }
}

/** showCreated waits for the operator's POST and shows the record as ONTAP reports it. */
export async function showCreated(stage: Stage): Promise<string> {
  stage.say.title('Waiting for the operator to create the AWS KMS configuration on svm1');
  const rec = await waitFor(stage, 'the aws-kms record of svm1 on the simulator', 45_000, () => record(stage));
  const post = (await requestLog(stage)).find((r) => r.method === 'POST' && r.path === '/api/security/aws-kms');
  if (post !== undefined) {
    stage.say.say('the operator sent (request log, /_sim/requests; secret_access_key is a fingerprint):');
    showRequest(stage, post);
  }
  stage.say.say(`GET /api/security/aws-kms?svm.name=svm1&fields=...`);
  stage.say.block(JSON.stringify(rec, (k, v: unknown) => (k === '_links' ? undefined : v), 2));
  const uuid = rec.uuid;
  if (typeof uuid !== 'string') throw new Error('the aws-kms record has no uuid');
  return uuid;
}

/** showReady waits for Ready on both objects and shows kubectl's view. */
export async function showReady(stage: Stage): Promise<void> {
  stage.say.title('Waiting for status Ready');
  await waitFor(stage, `OntapCluster ${CLUSTER} Ready=True`, 30_000, async () =>
    condition(await stage.kubectl.json(['ontapcluster', CLUSTER, '-n', NS]), 'Ready')?.startsWith('True') === true ? true : undefined,
  );
  await waitFor(stage, `OntapAwsKms ${KMS} Ready=True`, 30_000, async () =>
    condition(await stage.kubectl.json(['ontapawskms', KMS, '-n', NS]), 'Ready')?.startsWith('True') === true ? true : undefined,
  );
  stage.say.say(`$ kubectl get ontapcl -n ${NS}`);
  stage.say.block(await stage.kubectl.run(['get', 'ontapcl', '-n', NS]));
  stage.say.say(`$ kubectl get ontapawskms -n ${NS}`);
  stage.say.block(await stage.kubectl.run(['get', 'ontapawskms', '-n', NS]));
}

/** showDrift changes the record the way an admin would and waits for the operator to put it back. */
export async function showDrift(stage: Stage, uuid: string): Promise<void> {
  stage.say.title('An admin changes the record behind the operator\'s back (ONTAP REST API)');
  const before = await record(stage);
  const desired = before?.polling_period;
  const res = await httpsJson(stage.ontap, 'PATCH', `/api/security/aws-kms/${uuid}`, { polling_period: 5 });
  if (res.status >= 300) throw new Error(`PATCH polling_period on the simulator: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const mark = (await requestLog(stage)).length;
  stage.say.say(`PATCH /api/security/aws-kms/${uuid} {"polling_period": 5} -> ${res.status} (spec says ${String(desired)})`);
  stage.say.say('the operator re-reads ONTAP every driftCheckIntervalSeconds (10 s) ...');
  const fix = await waitFor(stage, 'the operator to PATCH polling_period back', 30_000, async () =>
    (await requestLog(stage)).slice(mark).find((r) => r.method === 'PATCH' && r.path === `/api/security/aws-kms/${uuid}`),
  );
  stage.say.say('corrected by the operator (request log):');
  showRequest(stage, fix);
  const after = await waitFor(stage, 'polling_period restored on the simulator', 10_000, async () => {
    const r = await record(stage);
    return r !== undefined && r.polling_period === desired ? r : undefined;
  });
  stage.say.say(`GET: polling_period is ${String(after.polling_period)} again`);
  const events = await stage.kubectl.run(['get', 'events', '-n', NS, '--field-selector', 'reason=DriftCorrected', '-o', 'custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message']);
  if (events.trim() !== '' && !events.includes('No resources')) stage.say.block(events);
}

/** showRotation rotates the AWS key pair in the Secret and shows it reach ONTAP and the status. */
export async function showRotation(stage: Stage): Promise<void> {
  stage.say.title(`Rotating the AWS credentials in Secret ${AWS_SECRET}`);
  const secretAccessKey = randomBytes(30).toString('base64');
  const accessKeyId = `AKIADEMO${randomBytes(6).toString('hex').toUpperCase()}`;
  const fp = fingerprint(secretAccessKey);
  const mark = (await requestLog(stage)).length;
  await stage.kubectl.apply(toYaml([{
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: AWS_SECRET, namespace: NS },
    type: 'Opaque',
    stringData: { access_key_id: accessKeyId, secret_access_key: secretAccessKey },
  }]));
  const rv = String(field(await stage.kubectl.json(['secret', AWS_SECRET, '-n', NS]), 'metadata', 'resourceVersion'));
  stage.say.say(`updated ${AWS_SECRET} (resourceVersion ${rv}); new secret_access_key fingerprint ${fp} (the value is never shown)`);
  const sent = await waitFor(stage, 'the new credentials in a PATCH to the simulator', 30_000, async () =>
    (await requestLog(stage)).slice(mark).find((r) => r.method === 'PATCH' && field(r.body, 'secret_access_key') === fp),
  );
  stage.say.say('applied on ONTAP (request log; the fingerprint matches):');
  showRequest(stage, sent);
  const applied = await waitFor(stage, `status.appliedSecrets of ${KMS} to name ${AWS_SECRET}@${rv}`, 20_000, async () => {
    const list = field(await stage.kubectl.json(['ontapawskms', KMS, '-n', NS]), 'status', 'appliedSecrets');
    return Array.isArray(list) && list.some((s) => field(s, 'name') === AWS_SECRET && field(s, 'resourceVersion') === rv) ? list : undefined;
  });
  stage.say.say(`$ kubectl get ontapawskms ${KMS} -n ${NS} -o jsonpath='{.status.appliedSecrets}'`);
  stage.say.block(JSON.stringify(applied));
}
