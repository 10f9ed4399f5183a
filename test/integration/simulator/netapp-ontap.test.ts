/**
 * ontap-sim checked by a client no one here wrote: NetApp's netapp-ontap (PyPI) creates,
 * hydrates, lists, patches and deletes an AWS KMS, an Azure Key Vault and a Google Cloud KMS
 * configuration, with writes answered at once and with 202 and a job. Its post(hydrate=True)
 * follows the 202's Location query to find the new record, which ONTAP sends and ontap-sim
 * long did not. It also runs each family's rekey_internal() and restore() actions both ways,
 * while the test reads ontap-sim's key-generation counter, and gets the codes ontap-sim injects
 * (a fault: NetAppRestError with ONTAP's envelope) or decides (a node down: a failed job).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { SimulatorHandle } from '../../../src/simulator/server.js';
import { generateTlsMaterial } from '../../../src/simulator/tls.js';
import { lastLineOf } from '../../support/image.js';
import { SIM_PASSWORD, SIM_USER, startTestSim } from '../../support/sim.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./netapp_ontap_client.py', import.meta.url));

interface Seen {
  created: { uuid: string; svm: string; scope: string };
  listed: string[];
  patched: unknown;
  after_delete: string[];
}

/** Acted is what netapp_ontap_client.py prints with ACTIONS set. */
interface Acted {
  uuid: string;
  results: Array<{ action: string; ok: boolean; status?: number | null; error?: string; message?: string; code?: string | null }>;
}

/** FAMILIES: each collection the script drives, with the value it PATCHes (see netapp_ontap_client.py). */
const FAMILIES: ReadonlyArray<{ readonly family: string; readonly base: string; readonly patched: unknown; readonly secret: string }> = [
  { family: 'aws-kms', base: '/api/security/aws-kms', patched: 15, secret: 'py-secret-not-shown' },
  { family: 'azure-key-vaults', base: '/api/security/azure-key-vaults', patched: 8443, secret: 'py-azure-secret-not-shown' },
  { family: 'gcp-kms', base: '/api/security/gcp-kms', patched: 'admin@py-project.iam.gserviceaccount.com', secret: 'py-gcp-key-not-shown' },
];

describe('ontap-sim with NetApp\'s Python client (netapp-ontap)', function () {
  this.timeout(120_000);
  let python: string;
  let sim: SimulatorHandle;

  before(async function () {
    // tools/python/setup.sh makes (or reuses) a cached venv with the pinned netapp-ontap.
    this.timeout(10 * 60_000);
    python = process.env['ONTAP_KMS_PYTHON'] ?? (await lastLineOf('tools/python/setup.sh'));
    sim = await startTestSim({ svms: ['svm1'], jobRetentionMs: 60_000 });
  });
  after(() => sim.close());
  beforeEach(() => sim.control.reset());

  async function drive<T = Seen>(family: string, extra: Record<string, string> = {}): Promise<T> {
    const { stdout } = await run(python, [SCRIPT], {
      env: { ...process.env, SIM_HOST: new URL(sim.url).hostname, SIM_PORT: new URL(sim.url).port, SIM_USER, SIM_PASSWORD, SVM: 'svm1', FAMILY: family, REQUESTS_CA_BUNDLE: sim.caFile, ...extra },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
  }

  /** act runs ACTIONS through netapp-ontap's resource methods, on `uuid` or on a record the script creates. */
  function act(family: string, actions: string, uuid?: string): Promise<Acted> {
    return drive<Acted>(family, { ACTIONS: actions, ...(uuid === undefined ? {} : { UUID: uuid }) });
  }

  /** actionLog is `POST <action> <status>` for each action request ontap-sim saw, in order. */
  function actionLog(base: string): string[] {
    return sim.control
      .requests()
      .filter((r) => r.method === 'POST' && r.path.startsWith(`${base}/`))
      .map((r) => `${r.path.slice(r.path.lastIndexOf('/') + 1)}${r.query === '' ? '' : `?${r.query}`} ${r.status}`);
  }

  function expectRoundTrip(seen: Seen, patched: unknown): void {
    expect(seen.created.uuid).to.match(/^[0-9a-f-]{36}$/);
    expect(seen.created).to.deep.include({ svm: 'svm1', scope: 'svm' });
    expect(seen.listed).to.deep.equal([seen.created.uuid]);
    expect(seen.patched).to.equal(patched);
    expect(seen.after_delete).to.deep.equal([]);
  }

  for (const f of FAMILIES) {
    describe(f.family, () => {
      it('creates with post(hydrate=True), patches and deletes, writes answered at once', async function () {
        const seen = await drive(f.family);
        expectRoundTrip(seen, f.patched);
        const post = sim.control.requests().find((r) => r.method === 'POST' && r.path === f.base);
        expect(post?.status).to.equal(201);
        const patch = sim.control.requests().find((r) => r.method === 'PATCH');
        expect(Object.keys(patch?.body ?? {}), 'PATCH sends only the changed field').to.have.length(1);
        expect(JSON.stringify(sim.control.requests()), 'the secret, only as a fingerprint').to.not.include(f.secret);
      });

      it('does the same with writes answered 202 and a job (hydrate follows the Location query)', async function () {
        sim.control.setAsync({ enabled: true, delayMs: 300 });
        const seen = await drive(f.family);
        expectRoundTrip(seen, f.patched);
        const writes = sim.control.requests().filter((r) => r.method !== 'GET' && r.path.startsWith(f.base));
        expect(writes.map((r) => `${r.method} ${r.status}`)).to.deep.equal(['POST 202', 'PATCH 202', 'DELETE 202']);
        const lookups = sim.control.requests().filter((r) => r.method === 'GET' && r.query.includes('svm.name=svm1'));
        expect(lookups.length, 'GETs of the Location query').to.be.greaterThan(0);
      });

      it('runs rekey_internal() and restore() answered at once: one key generation per rekey-internal; a fault\'s code is NetAppRestError\'s', async function () {
        const first = await act(f.family, 'rekey_internal,restore');
        expect(first.results.map((r) => [r.action, r.ok, r.status])).to.deep.equal([['rekey_internal', true, 201], ['restore', true, 201]]);
        expect(sim.control.keyGenerations(), 'rotated exactly once').to.deep.equal({ svm1: 1 });
        expect(actionLog(f.base)).to.deep.equal(['rekey-internal 201', 'restore 201']);

        const blocked = 'Unable to successfully encrypt or decrypt because the configured external key manager for the given SVM is in a blocked state.';
        sim.control.addFault({ method: 'POST', path: `${f.base}/${first.uuid}/rekey-internal`, code: '65537556', message: blocked, count: 1 });
        sim.control.addFault({ method: 'POST', path: `${f.base}/${first.uuid}/restore`, code: '65537544', message: 'Missing wrapped top-level internal key protection key (KEK) from internal database.', count: 1 });
        const second = await act(f.family, 'rekey_internal,restore,rekey_internal', first.uuid);
        const [rekeyFault, restoreFault, again] = second.results;
        expect(rekeyFault).to.deep.include({ ok: false, error: 'NetAppRestError', status: 400, code: '65537556' });
        expect(rekeyFault?.message).to.include(blocked);
        expect(restoreFault).to.deep.include({ ok: false, error: 'NetAppRestError', status: 400, code: '65537544' });
        expect(again).to.deep.include({ ok: true, status: 201 });
        expect(sim.control.keyGenerations(), 'the refused rekey-internal did not count').to.deep.equal({ svm1: 2 });
        expect(sim.control.keyActions()).to.deep.equal([{ family: f.family, uuid: first.uuid, svm: 'svm1', rekeyInternal: 2, restore: 1 }]);
      });

      it('runs rekey_internal() and restore() answered 202 with a job (polled), and with return_timeout; a failed job does not count', async function () {
        sim.control.setAsync({ enabled: true, delayMs: 300 });
        const first = await act(f.family, 'rekey_internal,restore,rekey_internal?return_timeout=10');
        expect(first.results.map((r) => [r.action, r.ok])).to.deep.equal([
          ['rekey_internal', true],
          ['restore', true],
          ['rekey_internal?return_timeout=10', true],
        ]);
        expect(actionLog(f.base)).to.deep.equal(['rekey-internal 202', 'restore 202', 'rekey-internal?return_timeout=10 201']);
        expect(sim.control.keyGenerations(), 'once per rekey-internal').to.deep.equal({ svm1: 2 });

        // A node down is decided by ontap-sim when the job runs: the job fails with 65537566.
        sim.control.setNodeOnline('node1', false);
        const failed = await act(f.family, 'rekey_internal', first.uuid);
        expect(failed.results[0]).to.deep.include({ ok: false, error: 'NetAppRestError', status: null, code: null });
        expect(failed.results[0]?.message).to.equal('Job failed: Internal error. All nodes in the cluster are not currently online.');
        expect(sim.control.keyGenerations(), 'the failed job did not count').to.deep.equal({ svm1: 2 });
        expect(sim.control.keyActions()).to.deep.equal([{ family: f.family, uuid: first.uuid, svm: 'svm1', rekeyInternal: 2, restore: 1 }]);
      });
    });
  }

  /** Stepped is what netapp_ontap_client.py prints with OPS set. */
  interface Stepped {
    uuid: string | null;
    results: Array<Record<string, unknown> & { op: string; ok: boolean }>;
  }

  const PASSPHRASE = 'py-onboard-passphrase-not-shown-0123456789';
  const NEW_PASSPHRASE = 'py-onboard-passphrase-not-shown-abcdefghij';

  /** steps runs OPS through netapp-ontap's SecurityKeyManager, KeyServer and SecurityCertificate. */
  function steps(ops: string, extra: Record<string, string> = {}): Promise<Stepped> {
    return drive<Stepped>('', { OPS: ops, PASSPHRASE, NEW_PASSPHRASE, ...extra });
  }

  function byOp(s: Stepped, op: string): Record<string, unknown> {
    const r = s.results.find((x) => x.op === op);
    expect(r, `step ${op}`).to.not.equal(undefined);
    return r ?? {};
  }

  for (const mode of ['sync', 'async'] as const) {
    describe(`SecurityKeyManager, onboard (writes answered ${mode === 'sync' ? 'at once' : '202 with a job'})`, () => {
      beforeEach(() => {
        if (mode === 'async') sim.control.setAsync({ enabled: true, delayMs: 300 });
      });

      it('creates, reads status only when named, changes the passphrase, synchronizes a joined node and deletes', async function () {
        const created = await steps('onboard_create,status,star,backup');
        expect(created.results.every((r) => r.ok), JSON.stringify(created)).to.equal(true);
        expect(byOp(created, 'onboard_create')).to.deep.include({ scope: 'cluster', enabled: true, backup_head: `${'-'.repeat(26)}BEGIN BACKUP${'-'.repeat(26)}` });
        expect(byOp(created, 'status')).to.deep.include({ code: 0, message: 'No action needed at this time.' });
        expect(byOp(created, 'star')).to.deep.include({ has_status: false, scope: 'cluster' });
        const uuid = String(created.uuid);

        sim.control.setOnboardSyncNeeded('node3', true);
        const changed = await steps('status,passphrase,backup,sync_old,status,sync,status,delete', { UUID: uuid });
        const [syncNeeded, pass, backup, wrongSync, stillNeeded, sync, done, deleted] = changed.results;
        expect(syncNeeded).to.deep.include({ ok: true, code: 65537208 });
        expect(String(syncNeeded?.['message'])).to.include('node3');
        expect(pass).to.deep.include({ ok: true });
        expect(backup?.['backup'], 'a new passphrase, a new backup').to.not.equal(byOp(created, 'backup')['backup']);
        if (mode === 'sync') expect(wrongSync).to.deep.include({ ok: false, error: 'NetAppRestError', status: 400, code: '65536139' });
        else expect(wrongSync).to.deep.include({ ok: false, error: 'NetAppRestError', message: 'Job failed: Cluster-wide passphrase is incorrect.' });
        expect(stillNeeded).to.deep.include({ ok: true, code: 65537208 });
        expect(sync).to.deep.include({ ok: true });
        expect(done).to.deep.include({ ok: true, code: 0 });
        expect(deleted).to.deep.include({ ok: true, left: [] });
        expect(sim.control.onboardPassphrase(NEW_PASSPHRASE)).to.deep.equal({ configured: false, matches: false });

        const writes = sim.control.requests().filter((r) => r.method !== 'GET' && r.path.startsWith('/api/security/key-managers'));
        const expected = mode === 'sync' ? ['POST 201', 'PATCH 200', 'PATCH 400', 'PATCH 200', 'DELETE 200'] : ['POST 202', 'PATCH 202', 'PATCH 202', 'PATCH 202', 'DELETE 202'];
        expect(writes.map((r) => `${r.method} ${r.status}`)).to.deep.equal(expected);
        const log = JSON.stringify(sim.control.requests());
        expect(log, 'passphrases only as fingerprints').to.not.include(PASSPHRASE);
        expect(log).to.not.include(NEW_PASSPHRASE);
      });
    });
  }

  for (const mode of ['sync', 'async'] as const) {
    describe(`SecurityCertificate, SecurityKeyManager external and KeyServer (writes answered ${mode === 'sync' ? 'at once' : '202 with a job'})`, () => {
      beforeEach(() => {
        if (mode === 'async') sim.control.setAsync({ enabled: true, delayMs: 300 });
      });

      /** refused checks a step netapp-ontap raised for: ONTAP's code at once, or the job's message in async mode. */
      function refused(r: Record<string, unknown> | undefined, code: string, message: string): void {
        if (mode === 'sync') expect(r).to.deep.include({ ok: false, error: 'NetAppRestError', status: 400, code });
        else expect(r).to.deep.include({ ok: false, error: 'NetAppRestError' });
        expect(String(r?.['message'])).to.include(mode === 'sync' ? message : `Job failed: ${message}`);
      }

      it('installs certificates, creates an external key manager on them, manages its key servers, and deletes it all', async function () {
        const KS_PASSWORD = 'py-kmip-password-not-shown';
        // A second CA: ONTAP refuses the same certificate twice on an SVM ("duplicate entry").
        const CA2_CERT = (await generateTlsMaterial('py-second')).caPem;
        const certs = { CLIENT_CERT: sim.clientCertPem ?? '', CLIENT_KEY: sim.clientKeyPem ?? '', CA_CERT: sim.caPem, CA2_CERT, KS_PASSWORD };
        const first = await steps('cert_client,cert_ca,cert_ca2,cert_list,external_create,external_servers', certs);
        expect(first.results.filter((r) => !r.ok), JSON.stringify(first)).to.deep.equal([]);
        expect(byOp(first, 'cert_client')).to.deep.include({ name: 'py-client', type: 'client', scope: 'svm', common_name: 'admin', ca: 'ontap-sim CA', private_key_shown: false });
        expect(byOp(first, 'cert_client')['serial_number']).to.match(/^[0-9A-F]+$/);
        expect(byOp(first, 'cert_ca')).to.deep.include({ name: 'py-ca', type: 'server_ca', common_name: 'ontap-sim CA' });
        expect(byOp(first, 'cert_ca2')).to.deep.include({ name: 'py-ca2', type: 'server_ca', common_name: 'py-second CA' });
        expect(byOp(first, 'cert_list')['certs']).to.deep.equal([['py-client', 'client'], ['py-ca', 'server_ca'], ['py-ca2', 'server_ca']]);
        expect(byOp(first, 'external_create')).to.deep.include({ scope: 'svm', svm: 'svm1', servers: ['10.0.0.5:5696'] });
        const uuid = String(first.uuid);

        sim.control.setKeyServerReachable('10.0.0.5:5696', 'node2', false);
        const ops = [
          'ks_add', 'ks_records', 'ks_list', 'ks_too_many', 'ks_patch', 'ks_get', 'external_servers', 'ks_connectivity', 'ks_connectivity_node2',
          'external_patch', 'external_validate', 'cert_delete_client', 'ks_delete', 'ks_delete_unknown', 'delete', 'cert_delete_client', 'cert_delete_ca', 'cert_delete_ca2', 'cert_list',
        ];
        const second = await steps(ops.join(','), { ...certs, UUID: uuid });
        const at = (op: string, n = 0): Record<string, unknown> | undefined => second.results.filter((r) => r.op === op)[n];
        expect(at('ks_add')).to.deep.include({ ok: true, server: '10.0.0.6:5696' });
        expect(at('ks_list')).to.deep.include({ servers: ['10.0.0.5:5696', '10.0.0.6:5696', '10.0.0.7:5696', 'kmip.example.com:5697'] });
        refused(at('ks_too_many'), '65536038', 'A maximum of 4 active primary key servers are allowed.');
        expect(at('ks_patch')).to.deep.include({ ok: true });
        expect(at('ks_get')).to.deep.include({ ok: true, timeout: 45, username: 'py-kmip-user', secondary_key_servers: ['1.1.1.1', 'secondary.example.com'] });
        const embedded = (at('external_servers')?.['servers'] as Array<Record<string, unknown>>).find((x) => x['server'] === '10.0.0.6:5696');
        expect(embedded, 'in the key manager, secondary_key_servers is one string').to.deep.include({ secondary_key_servers: '1.1.1.1, secondary.example.com' });
        expect(at('ks_connectivity')).to.deep.include({ ok: true, cluster_availability: false, node_states: [['node1', 'available'], ['node2', 'not_responding']] });
        expect(at('ks_connectivity_node2'), JSON.stringify(at('ks_connectivity_node2'))).to.deep.include({ ok: true, node_states: [['node2', 'not_responding']] });
        expect(at('external_patch')).to.deep.include({ ok: true, cas: ['py-ca2'] });
        expect(at('external_validate')).to.deep.include({ ok: true, cas: ['py-ca2'] });
        refused(at('cert_delete_client'), '3735664', 'Cannot delete the certificate: it is in use by the external key manager');
        expect(at('ks_delete')).to.deep.include({ ok: true, servers: ['10.0.0.5:5696', '10.0.0.7:5696', 'kmip.example.com:5697'] });
        expect(at('ks_delete_unknown')).to.deep.include({ ok: false, status: 400, code: '65536843' });
        expect(at('delete')).to.deep.include({ ok: true, left: [] });
        expect(at('cert_delete_client', 1)).to.deep.include({ ok: true });
        expect(at('cert_list')).to.deep.include({ ok: true, certs: [] });

        const writes = sim.control.requests().filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(uuid, '{uuid}').replace(/certificates\/[0-9a-f-]{36}/, 'certificates/{c}')}${r.query.includes('validate_certificates') ? ' (validate)' : ''} ${r.status}`);
        const accepted = mode === 'sync' ? '201' : '202';
        expect(writes).to.include(`PATCH /api/security/key-managers/{uuid} (validate) 202`);
        expect(writes).to.include(`POST /api/security/key-managers/{uuid}/key-servers ${accepted}`);
        expect(writes.filter((w) => w.startsWith('DELETE /api/security/key-managers/{uuid}/key-servers/10.0.0.6'))).to.have.length(1);
        const log = JSON.stringify(sim.control.requests()) + JSON.stringify(sim.control.dump());
        expect(log, 'private key and key-server password only as fingerprints').to.not.include('PRIVATE KEY');
        expect(log).to.not.include(KS_PASSWORD);
      });
    });
  }
});
