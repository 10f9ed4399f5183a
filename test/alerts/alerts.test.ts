/**
 * The chart's alerts and dashboard: the PrometheusRule as rendered, unit-tested with promtool
 * (test/alerts/rules.test.yaml), every alert shown to fire, every alert shown to fail its test
 * when its expression is broken, and every metric the rules and the dashboard use checked
 * against what the operator exports.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse as parseYaml, stringify } from 'yaml';
import type { OntapAwsKms } from '../../src/api/v1alpha1/types.js';
import { kindMetrics } from '../../src/controller/key-manager/kind.js';
import { awsKmsAdapter } from '../../src/controller/ontap-aws-kms/adapter.js';
import { azureKeyVaultAdapter } from '../../src/controller/ontap-azure-key-vault/adapter.js';
import { gcpKmsAdapter } from '../../src/controller/ontap-gcp-kms/adapter.js';
import { kmipAdapter } from '../../src/controller/ontap-kmip/adapter.js';
import { onboardKeyManagerAdapter } from '../../src/controller/ontap-onboard-key-manager/adapter.js';
import { registerResourceMetrics } from '../../src/controller/resource-metrics.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { at, find, renderChart } from '../integration/deploy/render.js';
import { lastLineOf } from '../support/image.js';

const run = promisify(execFile);
const TESTS = fileURLToPath(new URL('./rules.test.yaml', import.meta.url));

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** PromtoolResult is promtool's exit status and what it printed. */
interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

describe('alerts and dashboard in the chart', function () {
  this.timeout(60_000);
  let promtool: string;
  let dir: string;
  let rules: RuleFile;
  let dashboardJson: string;

  before(async function () {
    // A cold build of promtool from the Go module proxy takes minutes; later runs reuse the cache.
    this.timeout(30 * 60_000);
    promtool = process.env['ONTAP_KMS_PROMTOOL'] ?? (await lastLineOf('tools/promtool/build.sh'));
    dir = await mkdtemp(join(tmpdir(), 'ontap-kms-alerts-'));
    const manifests = await renderChart(['--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboard.enabled=true']);
    rules = at(find(manifests, 'PrometheusRule'), 'spec') as RuleFile;
    dashboardJson = String(at(find(manifests, 'ConfigMap', 'ontap-kms-operator-dashboard'), 'data', 'ontap-kms-operator.json'));
    await copyFile(TESTS, join(dir, 'rules.test.yaml'));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const alerts = (): Rule[] => rules.groups.flatMap((g) => g.rules);

  /**
   * testRules runs `promtool test rules` on `file`. The annotations are left out: promtool would
   * otherwise want every expected alert to spell out its runbook text; they are checked below.
   */
  async function testRules(file: RuleFile): Promise<PromtoolResult> {
    const bare = { groups: file.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _omit, ...r }) => r) })) };
    await writeFile(join(dir, 'rules.yaml'), stringify(bare));
    try {
      const { stdout, stderr } = await run(promtool, ['test', 'rules', 'rules.test.yaml'], { cwd: dir });
      return { ok: true, output: stdout + stderr };
    } catch (err) {
      const o = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${o.stdout ?? ''}${o.stderr ?? ''}` };
    }
  }

  /** withExpr returns the rules with alert `name`'s expression replaced. */
  function withExpr(name: string, edit: (expr: string) => string): RuleFile {
    return { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === name ? { ...r, expr: edit(r.expr) } : r)) })) };
  }

  it('are off by default', async function () {
    const kinds = (await renderChart()).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds.filter((k) => k.startsWith('PrometheusRule/') || k.endsWith('-dashboard'))).to.deep.equal([]);
  });

  it('pass promtool check rules, with the rendered Lease name', async function () {
    await writeFile(join(dir, 'full.yaml'), stringify(rules));
    const { stdout } = await run(promtool, ['check', 'rules', 'full.yaml'], { cwd: dir });
    expect(stdout).to.match(/SUCCESS: 12 rules found/);
    expect(alerts().find((r) => r.alert === 'OntapKmsOperatorNoLeader')?.expr).to.include('name="ontap-kms-operator"');
  });

  it('pass their promtool unit tests', async function () {
    const result = await testRules(rules);
    expect(result.ok, result.output).to.equal(true);
  });

  it('have every alert fire in at least one test case', async function () {
    const tests = parseYaml(await readFile(TESTS, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    expect(alerts().map((r) => r.alert).filter((a) => !fired.has(a)), 'alerts never expected to fire').to.deep.equal([]);
  });

  it('fail their tests when any alert can never fire', async function () {
    this.timeout(300_000);
    for (const rule of alerts()) {
      const result = await testRules(withExpr(rule.alert, () => 'vector(1) == 0'));
      expect(result.ok, `${rule.alert} never firing went unnoticed`).to.equal(false);
      expect(result.output).to.include(`alertname: ${rule.alert}`);
    }
  });

  const breakages: { reason: string; alert: string; edit: (expr: string) => string }[] = [
    { reason: 'a typo in the metric name', alert: 'OntapKeyManagerNotReady', edit: (e) => e.replace('ontap_kms_awskms_condition', 'ontap_kms_awskms_conditions') },
    { reason: 'a typo in the Azure metric name', alert: 'OntapKeyManagerNotReady', edit: (e) => e.replace('ontap_kms_azurekeyvault_condition', 'ontap_kms_azurekeyvault_conditions') },
    { reason: 'no max by: one alert per replica', alert: 'OntapKeyManagerNotReady', edit: (e) => e.replace('max by (kind, namespace, name) ', '') },
    { reason: 'the kind label dropped', alert: 'OntapKeyManagerNotReady', edit: (e) => e.replace('by (kind, ', 'by (') },
    { reason: 'Google Cloud KMS left out', alert: 'OntapKeyManagerCloudUnreachable', edit: (e) => e.replace('ontap_kms_gcpkms_google_reachable', 'ontap_kms_gcpkms_amazon_reachable') },
    { reason: 'no max by: one ClusterOntapCluster alert per replica', alert: 'ClusterOntapClusterNotReady', edit: (e) => e.replace('max by (name) ', '') },
    { reason: "the OntapCluster's metric instead", alert: 'ClusterOntapClusterNotReady', edit: (e) => e.replace('ontap_kms_clusterontapcluster_condition', 'ontap_kms_ontapcluster_condition') },
    { reason: 'the comparison flipped', alert: 'OntapKeyManagerKeyProtectionUnavailable', edit: (e) => e.replace('== 0', '== 1') },
    { reason: 'another kind named', alert: 'OntapKeyManagerKeyProtectionUnavailable', edit: (e) => e.replace('"kind", "OntapGcpKms"', '"kind", "OntapAwsKms"') },
    { reason: 'the node label dropped', alert: 'OntapKeyManagerEkmipUnreachable', edit: (e) => e.replace(', node)', ')') },
    { reason: 'a new controller left out', alert: 'OntapKmsOperatorReconcileErrors', edit: (e) => e.replace('|ontapgcpkms', '') },
    { reason: '4xx counted as errors, 5xx not', alert: 'OntapKmsOntapRequestErrors', edit: (e) => e.replace('status=~"0|5.."', 'status=~"4.."') },
    { reason: 'a key compared with no period', alert: 'OntapKeyRotationOverdue', edit: (e) => e.replace('time() - ontap_kms_awskms_key_rotation_timestamp_seconds - ontap_kms_awskms_key_rotation_period_seconds', 'time() - ontap_kms_awskms_key_rotation_timestamp_seconds') },
    { reason: 'the server label dropped', alert: 'OntapKeyServerUnreachable', edit: (e) => e.replace('name, server, node)', 'name, node)') },
    { reason: 'the time left measured from the epoch', alert: 'OntapKeyManagerClientCertificateExpiring', edit: (e) => e.replace(' - time()', '') },
    { reason: 'another Lease name', alert: 'OntapKmsOperatorNoLeader', edit: (e) => e.replace('name="ontap-kms-operator"', 'name="ontap-kms"') },
  ];
  for (const b of breakages) {
    it(`fail their tests with a broken expression: ${b.reason} (${b.alert})`, async function () {
      const broken = withExpr(b.alert, b.edit);
      expect(JSON.stringify(broken), 'the edit changed something').to.not.equal(JSON.stringify(rules));
      const result = await testRules(broken);
      expect(result.ok, result.output).to.equal(false);
    });
  }

  it('carry a summary, a description and a runbook, naming only labels the alert has', function () {
    for (const rule of alerts()) {
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).to.deep.equal(['description', 'runbook', 'summary']);
      const grouped = [...rule.expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => (m[1] ?? '').split(',').map((l) => l.trim()));
      const has = new Set([...grouped, ...Object.keys(rule.labels ?? {})]);
      const used = Object.values(rule.annotations ?? {}).flatMap((a) => [...a.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1] ?? ''));
      expect(used.filter((l) => !has.has(l)), `${rule.alert}: labels its annotations use but it does not have`).to.deep.equal([]);
      expect(rule.labels?.['severity'], rule.alert).to.be.oneOf(['warning', 'critical']);
    }
  });

  it('and the dashboard use only metrics the operator exports', async function () {
    const metrics = new Metrics();
    const keyManagers = [awsKmsAdapter, azureKeyVaultAdapter, gcpKmsAdapter, kmipAdapter, onboardKeyManagerAdapter].map((a) => kindMetrics(a, () => []));
    registerResourceMetrics(metrics, { keyManagers, clusters: () => [] });
    const exported = new Set<string>(await metrics.names());
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      exported.add(m.name);
      // prom-client types `type` as a numeric enum, but it is the string 'histogram' at run time.
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(`${m.name}${s}`);
    }
    const names = (text: string): string[] => [...text.matchAll(/\b(?:ontap|controller_runtime|workqueue|leader_election)_[a-z_]+\b/g)].map((m) => m[0]);
    const dashboard = JSON.parse(dashboardJson) as { panels: { type: string; targets?: { expr: string }[] }[] };
    const exprs = [...alerts().map((r) => r.expr), ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))];
    const used = new Set(exprs.flatMap(names));
    expect(used.size).to.be.greaterThan(10);
    expect([...used].filter((n) => !exported.has(n)), 'metrics used but not exported').to.deep.equal([]);
  });

  it('and the operator\'s exposition, per-resource families streamed in chunks, passes promtool check metrics', async function () {
    // 600 resources make more than one chunk of a family (promtool's linter takes 40 s on 3,000);
    // a node name ONTAP could send needs every escape.
    const T = '2026-11-29T00:00:00Z';
    const many = Array.from({ length: 600 }, (_, i) => ({
      metadata: { namespace: 'team-a', name: `kms-${i}`, uid: `u${i}`, generation: 1, resourceVersion: '1' },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Ok', message: '', lastTransitionTime: T }],
        amazonReachability: { reachable: true, code: '0', message: '' },
        ekmipReachability: [{ node: i === 7 ? 'odd "node"\\with\nbreaks' : 'node-01', reachable: i % 2 === 0, code: '0', message: '' }],
        state: { clusterState: true, code: '0', message: '' },
      },
    }));
    const metrics = new Metrics({ collectDefaults: true });
    registerResourceMetrics(metrics, { keyManagers: [kindMetrics(awsKmsAdapter, () => many as unknown as OntapAwsKms[])], clusters: () => [] });
    const chunks = [...(await metrics.render()).body];
    // The head (the registry's families) and six per-resource families, one of them in pieces.
    expect(chunks.length, 'sent in pieces').to.be.greaterThan(7);
    expect(Math.max(...chunks.slice(1).map((c) => c.length)), 'no piece much past 64 KB').to.be.lessThan(70_000);
    const text = chunks.join('');
    expect(text).to.include('ontap_kms_awskms_ekmip_reachable{namespace="team-a",name="kms-7",node="odd \\"node\\"\\\\with\\nbreaks"} 0');
    expect(text.match(/^ontap_kms_awskms_condition\{/gm)?.length).to.equal(1800);
    const checked = await new Promise<PromtoolResult>((resolve) => {
      const child = execFile(promtool, ['check', 'metrics'], (err, stdout, stderr) => resolve({ ok: err === null, output: `${stdout}${stderr}` }));
      child.stdin?.end(text);
    });
    // check metrics also lints (e.g. counters without _total); only a parse error fails it here.
    expect(checked.output, checked.output).to.not.match(/error while linting|text format parsing error|expected|invalid/i);
  });

  it('and the dashboard have queries that parse as PromQL', async function () {
    // Recording rules are the one thing promtool parses offline; the record names are throwaway.
    const dashboard = JSON.parse(dashboardJson) as { panels: { id: number; targets?: { refId: string; expr: string }[] }[] };
    const records = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: t.expr })));
    await writeFile(join(dir, 'dashboard.yaml'), stringify({ groups: [{ name: 'dashboard', rules: records }] }));
    const { stdout } = await run(promtool, ['check', 'rules', 'dashboard.yaml'], { cwd: dir });
    expect(stdout).to.include(`SUCCESS: ${records.length} rules found`);
  });

  it('ship the dashboard in a ConfigMap with the Grafana sidecar label', async function () {
    const cm = find(await renderChart(['--set', 'grafanaDashboard.enabled=true']), 'ConfigMap', 'ontap-kms-operator-dashboard');
    expect(cm.metadata.labels).to.include({ grafana_dashboard: '1' });
    const dashboard = JSON.parse(String(at(cm, 'data', 'ontap-kms-operator.json'))) as { uid: string; panels: { id: number; type: string; targets?: { expr: string }[] }[] };
    expect(dashboard.uid).to.equal('ontap-kms-operator');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size, 'unique panel ids').to.equal(ids.length);
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, `panel ${p.id}`).to.be.greaterThan(0);
  });
});
