import { expect } from 'chai';
import type { ClusterOntapCluster, OntapAwsKms, OntapAzureKeyVault, OntapCluster, OntapGcpKms } from '../../../src/api/v1alpha1/types.js';
import { kindMetrics } from '../../../src/controller/key-manager/kind.js';
import { awsKmsAdapter } from '../../../src/controller/ontap-aws-kms/adapter.js';
import { azureKeyVaultAdapter } from '../../../src/controller/ontap-azure-key-vault/adapter.js';
import { gcpKmsAdapter } from '../../../src/controller/ontap-gcp-kms/adapter.js';
import { registerResourceMetrics, SyncTimes } from '../../../src/controller/resource-metrics.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { awsKms, ontapCluster, withStatus } from '../../support/builders.js';

const T = '2026-11-29T00:00:00Z';

/** series returns the exposition lines of metric `name`, without HELP/TYPE. */
async function series(metrics: Metrics, name: string): Promise<string[]> {
  return (await metrics.renderText()).split('\n').filter((l) => l.startsWith(`${name}{`));
}

describe('per-resource metrics', () => {
  let kms: OntapAwsKms[];
  let clusters: OntapCluster[];
  let metrics: Metrics;
  let syncs: SyncTimes;

  beforeEach(() => {
    kms = [
      awsKms(
        'svm1-kms',
        withStatus({
          conditions: [
            { type: 'Ready', status: 'False', reason: 'Unavailable', message: '', lastTransitionTime: T },
            { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: '', lastTransitionTime: T },
          ],
          state: { clusterState: false, code: '65537708', message: 'unavailable' },
          amazonReachability: { reachable: false, code: '65537919', message: 'down' },
          ekmipReachability: [
            { node: 'node-01', reachable: true, code: '0', message: '' },
            { node: 'node-02', reachable: false, code: '65537951', message: 'down' },
          ],
        }),
      ),
      awsKms('fresh'),
    ];
    const cl = ontapCluster('prod-a');
    cl.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'Connected', message: '', lastTransitionTime: T }] };
    clusters = [cl];
    metrics = new Metrics();
    syncs = new SyncTimes();
    registerResourceMetrics(metrics, { keyManagers: [kindMetrics(awsKmsAdapter, () => kms, syncs)], clusters: () => clusters });
  });

  it('has a series per condition and status, 1 on the current status (like certmanager_certificate_ready_status)', async () => {
    expect(await series(metrics, 'ontap_kms_awskms_condition')).to.deep.equal([
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Ready",status="True"} 0',
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Ready",status="False"} 1',
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Ready",status="Unknown"} 0',
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Synced",status="True"} 1',
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Synced",status="False"} 0',
      'ontap_kms_awskms_condition{namespace="default",name="svm1-kms",condition="Synced",status="Unknown"} 0',
    ]);
    expect(await series(metrics, 'ontap_kms_ontapcluster_condition')).to.include('ontap_kms_ontapcluster_condition{namespace="default",name="prod-a",condition="Ready",status="True"} 1');
  });

  it('reports AWS and per-node EKMIP reachability and key protection; nothing for a resource ONTAP has not answered for yet', async () => {
    expect(await series(metrics, 'ontap_kms_awskms_amazon_reachable')).to.deep.equal(['ontap_kms_awskms_amazon_reachable{namespace="default",name="svm1-kms"} 0']);
    expect(await series(metrics, 'ontap_kms_awskms_ekmip_reachable')).to.deep.equal([
      'ontap_kms_awskms_ekmip_reachable{namespace="default",name="svm1-kms",node="node-01"} 1',
      'ontap_kms_awskms_ekmip_reachable{namespace="default",name="svm1-kms",node="node-02"} 0',
    ]);
    expect(await series(metrics, 'ontap_kms_awskms_key_protection_available')).to.deep.equal(['ontap_kms_awskms_key_protection_available{namespace="default",name="svm1-kms"} 0']);
  });

  it('reports the last successful sync in seconds', async () => {
    syncs.record('default', 'fresh', 1_764_374_400_500);
    expect(await series(metrics, 'ontap_kms_awskms_last_sync_timestamp_seconds')).to.deep.equal(['ontap_kms_awskms_last_sync_timestamp_seconds{namespace="default",name="fresh"} 1764374400.5']);
  });

  it('drops every series of a deleted resource at the next scrape', async () => {
    syncs.record('default', 'svm1-kms', 1_000);
    expect((await metrics.renderText()).match(/name="svm1-kms"/g)?.length).to.be.greaterThan(5);
    kms = kms.filter((k) => k.metadata.name !== 'svm1-kms');
    clusters = [];
    const text = await metrics.renderText();
    expect(text).to.not.match(/name="svm1-kms"/);
    expect(text).to.not.match(/name="prod-a"/);
    expect(syncs.get('default', 'svm1-kms'), 'its sync time forgotten too').to.equal(undefined);
  });

  it('keeps every sync time when two scrapes are sent at once (each is made a chunk at a time)', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => awsKms(`kms-${i}`));
    const own = new Metrics();
    const times = new SyncTimes();
    for (const k of many) times.record('default', k.metadata.name, 1_000);
    registerResourceMetrics(own, { keyManagers: [kindMetrics(awsKmsAdapter, () => many, times)], clusters: () => [] });
    const first = (await own.render()).body[Symbol.iterator]();
    // Into the sync-time family, which is more than one chunk long.
    for (let r = first.next(); !r.done && !r.value.includes('last_sync_timestamp_seconds{'); r = first.next());
    await own.renderText(); // a second scrape, whole, meanwhile
    for (let r = first.next(); !r.done; r = first.next());
    expect(await series(own, 'ontap_kms_awskms_last_sync_timestamp_seconds')).to.have.length(1000);
  });

  it('exports each key-manager kind under its own names, so resources of two kinds with one name never mix', async () => {
    const reg = new Metrics();
    const meta = { name: 'svm1-kms', namespace: 'default', uid: 'u', generation: 1, resourceVersion: '1' };
    const azureSyncs = new SyncTimes();
    const azure = [{ metadata: meta, status: { azureReachability: { reachable: true, code: '0', message: '' }, state: { clusterState: true, code: '0', message: '' } } }];
    const gcp = [{ metadata: meta, status: { googleReachability: { reachable: false, code: '1', message: 'down' } } }];
    registerResourceMetrics(reg, {
      keyManagers: [
        kindMetrics(awsKmsAdapter, () => kms, syncs),
        kindMetrics(azureKeyVaultAdapter, () => azure as unknown as OntapAzureKeyVault[], azureSyncs),
        kindMetrics(gcpKmsAdapter, () => gcp as unknown as OntapGcpKms[]),
      ],
      clusters: () => [],
    });
    expect(await series(reg, 'ontap_kms_azurekeyvault_azure_reachable')).to.deep.equal(['ontap_kms_azurekeyvault_azure_reachable{namespace="default",name="svm1-kms"} 1']);
    expect(await series(reg, 'ontap_kms_azurekeyvault_key_protection_available')).to.deep.equal(['ontap_kms_azurekeyvault_key_protection_available{namespace="default",name="svm1-kms"} 1']);
    expect(await series(reg, 'ontap_kms_gcpkms_google_reachable')).to.deep.equal(['ontap_kms_gcpkms_google_reachable{namespace="default",name="svm1-kms"} 0']);
    expect(await series(reg, 'ontap_kms_awskms_amazon_reachable')).to.deep.equal(['ontap_kms_awskms_amazon_reachable{namespace="default",name="svm1-kms"} 0']);
    // One kind's sync times are its own: an Azure sync is not an AWS one of the same name.
    azureSyncs.record('default', 'svm1-kms', 2_000);
    expect(await series(reg, 'ontap_kms_azurekeyvault_last_sync_timestamp_seconds')).to.deep.equal(['ontap_kms_azurekeyvault_last_sync_timestamp_seconds{namespace="default",name="svm1-kms"} 2']);
    expect(await series(reg, 'ontap_kms_awskms_last_sync_timestamp_seconds')).to.deep.equal([]);
  });
});

describe('per-resource metrics: ClusterOntapCluster', () => {
  it('has a condition series per condition and status, named by the object alone (it has no namespace)', async () => {
    const cl = ontapCluster('shared');
    const shared: ClusterOntapCluster = {
      ...cl,
      kind: 'ClusterOntapCluster',
      metadata: { ...cl.metadata, namespace: '' },
      spec: { ...cl.spec, tenancy: { namespaceSelector: {}, svms: [] } },
      status: { conditions: [{ type: 'Ready', status: 'False', reason: 'CertificateUntrusted', message: '', lastTransitionTime: T }] },
    };
    let listed: ClusterOntapCluster[] = [shared];
    const metrics = new Metrics();
    registerResourceMetrics(metrics, { keyManagers: [], clusters: () => [], sharedClusters: () => listed });
    expect(await series(metrics, 'ontap_kms_clusterontapcluster_condition')).to.deep.equal([
      'ontap_kms_clusterontapcluster_condition{name="shared",condition="Ready",status="True"} 0',
      'ontap_kms_clusterontapcluster_condition{name="shared",condition="Ready",status="False"} 1',
      'ontap_kms_clusterontapcluster_condition{name="shared",condition="Ready",status="Unknown"} 0',
    ]);
    listed = [];
    expect(await series(metrics, 'ontap_kms_clusterontapcluster_condition'), 'gone with the object').to.deep.equal([]);
    expect(await metrics.renderText()).to.contain('# TYPE ontap_kms_clusterontapcluster_condition gauge');
  });
});
