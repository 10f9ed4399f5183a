/**
 * Upgrades change nothing: for every release kept in test/fixtures/upgrade/, its objects and
 * their status (as that release left them, everything Ready) are applied to the run's control
 * plane, ontap-sim is started holding the same ONTAP records, and this tree's operator is
 * started on them. Through its first pass over everything and one drift check of every key
 * manager it must:
 *
 * - send ONTAP no write at all (only GETs in the sim's request log), and leave its records as they were;
 * - write no stored object: every object keeps its resourceVersion, so every field of its
 *   metadata, spec and status is as the release left it. "Meaning-neutral" changes are the ones in
 *   MEANING_NEUTRAL below, and there are none today: each condition's status, reason, message,
 *   lastTransitionTime and observedGeneration, status.observedGeneration, appliedSecrets, the
 *   record's uuid and state, all stay. A change that has to touch stored objects shows here, as the
 *   list of fields it changes; if it is meant, add the path to MEANING_NEUTRAL with why, or capture
 *   new fixtures only at the next release (test/fixtures/upgrade/README.md);
 * - raise no event storm: at most MAX_EVENTS Events about the fixture's objects, none a Warning.
 *
 * Before the operator starts, the current CRDs must also keep every field the release stored: a
 * field pruned or defaulted differently by the new schema is listed too.
 */
import { expect } from 'chai';
import { parseConfig, type Config } from '../../src/config.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { EventType, KubeApi, type KubeObject } from '../../src/runtime/kube.js';
import type { SimulatorHandle } from '../../src/simulator/server.js';
import { CONTROL_PLANE_TIMEOUT_MS, getControlPlane } from '../support/control-plane.js';
import { LOOPBACK_ENDPOINTS, waitFor } from '../support/e2e.js';
import { capturingLogger } from '../support/log-capture.js';
import { applyFixture, type Fixture, fieldChanges, fixtureVersions, loadFixture, objectKey, placeSim, readBack, removeFixture, startFixtureSim, trimObject } from '../support/upgrade-fixtures.js';

/**
 * MEANING_NEUTRAL are the status paths an upgrade may change without changing what the status
 * says (matched against `Kind: path`, e.g. `OntapAwsKms: status.someCounter`), each with why.
 * Empty: every field must stay as the previous release wrote it.
 */
const MEANING_NEUTRAL: ReadonlyArray<{ readonly path: RegExp; readonly why: string }> = [];

/** MAX_EVENTS bounds the Events the new operator may record about the fixture's objects: none. */
const MAX_EVENTS = 0;

/** reconciles reads the operator's controller_runtime_reconcile_total per controller. */
async function reconciles(op: Operator): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await op.metrics.renderText()).split('\n')) {
    const m = /^controller_runtime_reconcile_total\{.*controller="([^"]+)".*\} (\d+(?:\.\d+)?)$/.exec(line);
    if (m?.[1] !== undefined) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}

/** changesOf lists each object's changed fields, `Kind ns/name: path: before -> after`, less MEANING_NEUTRAL ones. */
function changesOf(before: readonly KubeObject[], after: readonly KubeObject[]): string[] {
  return before.flatMap((b, i) =>
    fieldChanges(b, after[i])
      .filter((c) => !MEANING_NEUTRAL.some((n) => n.path.test(`${b.kind}: ${c}`)))
      .map((c) => `${objectKey(b)}: ${c}`),
  );
}

for (const version of fixtureVersions()) {
  describe(`e2e: upgrade from ${version} (test/fixtures/upgrade/${version}): the new operator changes nothing`, function () {
    this.timeout(180_000);
    let api: KubeApi;
    let sim: SimulatorHandle;
    let fixture: Fixture;
    let operator: Operator | undefined;
    let sent: KubeObject[] = [];
    let stored: KubeObject[] = [];
    let afterUpgrade: KubeObject[] = [];
    let ontapBefore = '';
    let ontapAfter = '';

    before(async function () {
      this.timeout(CONTROL_PLANE_TIMEOUT_MS);
      const cp = await getControlPlane();
      api = await KubeApi.fromKubeconfig(cp.kubeconfig);
      const raw = loadFixture(version);
      sim = await startFixtureSim(raw);
      fixture = placeSim(raw, sim);
      ({ sent, stored } = await applyFixture(api, fixture));
      const records = (): string => JSON.stringify([...sim.state.records.values(), ...sim.state.azureKeyVaults.values(), ...sim.state.gcpKms.values()]);
      ontapBefore = records();
      sim.control.clearRequests();

      const config = parseConfig([
        '--kubeconfig', cp.kubeconfig,
        '--metrics-bind-address', '127.0.0.1:0', '--metrics-secure=false', '--health-probe-bind-address', '127.0.0.1:0',
        `--allowed-ontap-endpoints=${LOOPBACK_ENDPOINTS}`,
        ...fixture.ontap.operatorArgs,
      ]) as Config;
      const op = await startOperator(config, { logger: capturingLogger().child({ test: `upgrade-${version}` }), clientOptions: { jobPollIntervalMs: 100 } });
      operator = op;
      // Each object's first pass, and for each key manager one drift check after it.
      const want = new Map<string, number>();
      for (const { kind, items } of fixture.objects) {
        if (!kind.status) continue;
        const name = kind.type.kind.toLowerCase();
        const passes = kind.type.kind === 'OntapCluster' || kind.type.kind === 'ClusterOntapCluster' ? 1 : 2;
        want.set(name, (want.get(name) ?? 0) + passes * items.length);
      }
      await waitFor(`passes ${JSON.stringify(Object.fromEntries(want))}`, async () => {
        const got = await reconciles(op);
        return [...want].every(([name, n]) => (got.get(name) ?? 0) >= n);
      }, 120_000, 250);
      // Let a status write of the last pass land before reading.
      await new Promise((r) => setTimeout(r, 1000));
      afterUpgrade = await readBack(api, fixture);
      ontapAfter = records();
    });

    after(async function () {
      await operator?.stop();
      await sim?.close();
      if (fixture) await removeFixture(api, fixture);
    });

    it('the current CRDs keep every field the release stored (nothing pruned, no new default)', () => {
      const lost = changesOf(sent, stored.map(trimObject));
      expect(lost, `fields the current CRDs store differently from ${version}:\n  ${lost.join('\n  ')}\n`).to.deep.equal([]);
    });

    it('sends ONTAP no write: only GETs, and every record as it was', () => {
      const requests = sim.control.requests();
      const writes = requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path} ${r.status}`);
      expect(writes, `ONTAP writes after the upgrade from ${version}`).to.deep.equal([]);
      expect(requests.length, 'the operator did read ONTAP').to.be.greaterThan(0);
      expect(ontapAfter, 'the ONTAP records, before and after').to.equal(ontapBefore);
    });

    it('writes no stored object: metadata, spec and status as the release left them', () => {
      const changed = changesOf(stored, afterUpgrade);
      expect(changed, `fields the new operator changed in objects of ${version} (MEANING_NEUTRAL allows none of these):\n  ${changed.join('\n  ')}\n`).to.deep.equal([]);
    });

    it(`records at most ${MAX_EVENTS} events about them, and no Warning`, async () => {
      const mine = new Set(stored.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
      const events = (await api.list(EventType, undefined)).items.filter((e) => {
        const io = (e as { involvedObject?: { kind?: string; namespace?: string; name?: string } }).involvedObject;
        return mine.has(`${io?.kind ?? ''}/${io?.namespace ?? ''}/${io?.name ?? ''}`);
      });
      const shown = events.map((e) => {
        const ev = e as { type?: string; reason?: string; message?: string; count?: number; involvedObject?: { kind?: string; name?: string } };
        return `${ev.type ?? ''} ${ev.reason ?? ''} x${ev.count ?? 1} on ${ev.involvedObject?.kind ?? ''} ${ev.involvedObject?.name ?? ''}: ${ev.message ?? ''}`;
      });
      const total = events.reduce((n, e) => n + ((e as { count?: number }).count ?? 1), 0);
      expect(shown.filter((s) => s.startsWith('Warning')), 'Warning events').to.deep.equal([]);
      expect(total, `events about the objects of ${version}:\n  ${shown.join('\n  ')}\n`).to.be.at.most(MAX_EVENTS);
    });
  });
}
