/**
 * The Helm chart: lint clean, and what it renders for the default values and the options users
 * set (watched namespaces, ServiceMonitor, NetworkPolicy). No control plane needed.
 */
import { expect } from 'chai';
import { CHART_DIR, helm, TEST_ALLOW_LIST, watchNamespaceFlags } from './install.js';
import { at, find, renderChart, renderError, type Manifest } from './render.js';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

function rules(m: Manifest): Rule[] {
  return (m.rules ?? []) as Rule[];
}

/** verbsFor collects the verbs a set of rules grants on group/resource. */
function verbsFor(rs: readonly Rule[], group: string, resource: string): string[] {
  return [...new Set(rs.filter((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource)).flatMap((r) => r.verbs))].sort();
}

describe('helm chart', function () {
  this.timeout(60_000);

  describe('lint', function () {
    const cases: Array<{ reason: string; args: string[] }> = [
      { reason: 'default values and the required allow-list', args: [...TEST_ALLOW_LIST] },
      { reason: 'restricted namespaces', args: [...TEST_ALLOW_LIST, ...watchNamespaceFlags(['storage', 'team-b'])] },
      { reason: 'allowAnyOntapEndpoint instead of a list', args: ['--set', 'allowAnyOntapEndpoint=true'] },
      {
        reason: 'every optional object on',
        args: [
          '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.ontap.cidrs[0]=10.0.0.0/24', '--set', 'networkPolicy.apiServer.cidrs[0]=10.96.0.1/32',
          '--set', 'imagePullSecrets[0].name=regcred', '--set', 'allowedOntapEndpoints[0]=10.0.0.0/24', '--set', 'metrics.certSecret=metrics-tls',
          '--set', 'metrics.reader.subjects[0].kind=ServiceAccount', '--set', 'metrics.reader.subjects[0].name=prometheus', '--set', 'metrics.reader.subjects[0].namespace=monitoring',
        ],
      },
    ];
    for (const c of cases) {
      it(`is clean with ${c.reason}`, async function () {
        const out = await helm(['lint', '--strict', CHART_DIR, ...c.args]);
        expect(out).to.contain('0 chart(s) failed');
        expect(out).to.not.match(/\[(WARNING|ERROR)\]/);
      });
    }
  });

  describe('values.schema.json', function () {
    const cases: Array<{ reason: string; set: string; error: RegExp }> = [
      { reason: 'a log level the operator does not know', set: 'log.level=verbose', error: /log\/level/ },
      { reason: 'a namespace name Kubernetes would refuse', set: 'watchNamespaces[0]=Bad_NS', error: /watchNamespaces\/0/ },
      { reason: 'a misspelt value', set: 'replicas=3', error: /replicas/ },
    ];
    for (const c of cases) {
      it(`rejects ${c.reason}`, async function () {
        let failure: unknown;
        try {
          await renderChart(['--set', c.set]);
        } catch (err) {
          failure = err;
        }
        expect(failure, c.set).to.be.instanceOf(Error);
        expect((failure as Error).message).to.match(c.error);
      });
    }
  });

  describe('default values', function () {
    let objs: Manifest[];
    before(async function () {
      objs = await renderChart();
    });

    it('renders the operator objects, and no optional ones', function () {
      const kinds = objs.map((m) => m.kind).sort();
      expect(kinds).to.deep.equal(['ClusterRole', 'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
      for (const m of objs.filter((o) => !o.kind.startsWith('Cluster'))) expect(m.metadata.namespace, m.kind).to.equal('ontap-kms-system');
    });

    it('runs two replicas with leader election, spread by hostname', function () {
      const d = find(objs, 'Deployment');
      expect(at(d, 'spec', 'replicas')).to.equal(2);
      const args = at(d, 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
      expect(args).to.include('--leader-elect');
      expect(args).to.include.members(['--metrics-bind-address=:8443', '--health-probe-bind-address=:8081', '--log-level=info', '--log-format=json', '--max-concurrent-reconciles=4', '--cluster-resource-namespace=ontap-kms-system', '--graceful-shutdown-timeout=20', '--max-concurrent-rekeys-per-cluster=1']);
      const env = at(d, 'spec', 'template', 'spec', 'containers', 0, 'env') as Array<{ name: string; value?: string }>;
      expect(env.find((e) => e.name === 'NODE_OPTIONS')?.value, 'the V8 heap capped below the 256Mi limit').to.equal('--max-old-space-size=160 --max-semi-space-size=4');
      expect(args.filter((a) => a.startsWith('--metrics-secure')), 'HTTPS metrics').to.be.empty;
      expect(args.filter((a) => a.startsWith('--allow')), 'the allow-list given (the chart requires one), and not allow-any').to.deep.equal(['--allowed-ontap-endpoints=127.0.0.0/8:*']);
      expect(args.filter((a) => a.startsWith('--namespace')), 'all namespaces: no --namespace').to.be.empty;
      const term = at(d, 'spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm');
      expect(at(term, 'topologyKey')).to.equal('kubernetes.io/hostname');
      expect(at(term, 'labelSelector', 'matchLabels')).to.deep.equal(at(d, 'spec', 'selector', 'matchLabels'));
    });

    it('runs locked down: non-root 65532, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', function () {
      const pod = at(find(objs, 'Deployment'), 'spec', 'template', 'spec');
      const c = at(pod, 'containers', 0);
      expect(at(c, 'securityContext')).to.deep.include({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(at(c, 'securityContext', 'capabilities', 'drop')).to.deep.equal(['ALL']);
      expect(at(c, 'securityContext', 'seccompProfile', 'type')).to.equal('RuntimeDefault');
      expect(at(pod, 'securityContext', 'runAsNonRoot')).to.equal(true);
      expect(at(c, 'resources', 'requests')).to.have.keys('cpu', 'memory');
      expect(at(c, 'resources', 'limits')).to.have.keys('cpu', 'memory');
    });

    it('probes /healthz and /readyz on 8081, exposes metrics on 8080 and passes POD_NAMESPACE', function () {
      const d = find(objs, 'Deployment');
      const c = at(d, 'spec', 'template', 'spec', 'containers', 0);
      expect(at(c, 'ports')).to.deep.include.members([
        { name: 'metrics', containerPort: 8443, protocol: 'TCP' },
        { name: 'health', containerPort: 8081, protocol: 'TCP' },
      ]);
      expect(at(c, 'livenessProbe', 'httpGet')).to.deep.equal({ path: '/healthz', port: 'health' });
      expect(at(c, 'readinessProbe', 'httpGet')).to.deep.equal({ path: '/readyz', port: 'health' });
      expect(at(c, 'env')).to.deep.include({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
      expect(at(c, 'image')).to.equal('ghcr.io/ontap-kms-operator/ontap-kms-operator:0.1.0');
      const svc = find(objs, 'Service');
      expect(at(svc, 'spec', 'ports', 0)).to.deep.include({ name: 'metrics', port: 8443, targetPort: 'metrics' });
      expect(at(svc, 'spec', 'selector')).to.deep.equal(at(d, 'spec', 'selector', 'matchLabels'));
    });

    it('grants exactly the verbs the operator uses, cluster-wide, and the Lease in its own namespace', function () {
      const cr = rules(find(objs, 'ClusterRole', 'ontap-kms-operator'));
      const cases: Array<{ group: string; resource: string; verbs: string[] }> = [
        { group: 'kms.ontap.dev', resource: 'ontapawskmses', verbs: ['get', 'list', 'patch', 'update', 'watch'] },
        { group: 'kms.ontap.dev', resource: 'ontapclusters', verbs: ['get', 'list', 'patch', 'update', 'watch'] },
        { group: 'kms.ontap.dev', resource: 'ontapawskmses/status', verbs: ['get', 'patch', 'update'] },
        { group: 'kms.ontap.dev', resource: 'ontapclusters/status', verbs: ['get', 'patch', 'update'] },
        { group: 'kms.ontap.dev', resource: 'ontapawskmses/finalizers', verbs: ['update'] },
        // The other key managers get exactly what OntapAwsKms gets.
        ...['ontapazurekeyvaults', 'ontapgcpkmses', 'ontapkmips', 'ontaponboardkeymanagers'].flatMap((r) => [
          { group: 'kms.ontap.dev', resource: r, verbs: ['get', 'list', 'patch', 'update', 'watch'] },
          { group: 'kms.ontap.dev', resource: `${r}/status`, verbs: ['get', 'patch', 'update'] },
          { group: 'kms.ontap.dev', resource: `${r}/finalizers`, verbs: ['update'] },
        ]),
        // create and update: an OntapOnboardKeyManager's key backup, only in a Secret it created; never patch or delete.
        { group: '', resource: 'secrets', verbs: ['create', 'get', 'list', 'update', 'watch'] },
        { group: '', resource: 'events', verbs: ['create', 'patch'] },
        { group: '', resource: 'pods', verbs: [] },
        { group: 'coordination.k8s.io', resource: 'leases', verbs: [] },
      ];
      for (const c of cases) expect(verbsFor(cr, c.group, c.resource), `${c.group}/${c.resource}`).to.deep.equal(c.verbs);
      expect(cr.flatMap((r) => [...r.verbs, ...(r.resources ?? []), ...(r.apiGroups ?? [])])).to.not.include('*');

      const lease = find(objs, 'Role', 'ontap-kms-operator-leader-election', 'ontap-kms-system');
      expect(verbsFor(rules(lease), 'coordination.k8s.io', 'leases')).to.deep.equal(['create', 'get', 'update']);
      const binding = find(objs, 'ClusterRoleBinding', 'ontap-kms-operator');
      expect(at(binding, 'subjects', 0)).to.deep.equal({ kind: 'ServiceAccount', name: 'ontap-kms-operator', namespace: 'ontap-kms-system' });
    });

    it('grants the cluster-scoped reads (ClusterOntapClusters, namespaces) and the reviews /metrics needs, and a metrics-reader ClusterRole', function () {
      const scoped = rules(find(objs, 'ClusterRole', 'ontap-kms-operator-cluster-scoped'));
      const cases: Array<{ group: string; resource: string; verbs: string[] }> = [
        { group: 'kms.ontap.dev', resource: 'clusterontapclusters', verbs: ['get', 'list', 'watch'] },
        { group: 'kms.ontap.dev', resource: 'clusterontapclusters/status', verbs: ['get', 'patch', 'update'] },
        { group: '', resource: 'namespaces', verbs: ['get', 'list', 'watch'] },
        { group: 'authentication.k8s.io', resource: 'tokenreviews', verbs: ['create'] },
        { group: 'authorization.k8s.io', resource: 'subjectaccessreviews', verbs: ['create'] },
        { group: '', resource: 'secrets', verbs: [] },
      ];
      for (const c of cases) expect(verbsFor(scoped, c.group, c.resource), `${c.group}/${c.resource}`).to.deep.equal(c.verbs);
      const binding = find(objs, 'ClusterRoleBinding', 'ontap-kms-operator-cluster-scoped');
      expect(at(binding, 'subjects', 0)).to.deep.equal({ kind: 'ServiceAccount', name: 'ontap-kms-operator', namespace: 'ontap-kms-system' });
      const reader = find(objs, 'ClusterRole', 'ontap-kms-operator-metrics-reader');
      expect(reader.rules).to.deep.equal([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    });
  });

  describe('watchNamespaces', function () {
    it('binds a Role in each watched namespace only, and passes one --namespace each', async function () {
      const objs = await renderChart(watchNamespaceFlags(['storage', 'team-b']));
      const clusterWide = objs.filter((m) => m.kind === 'ClusterRole').map((m) => m.metadata.name).sort();
      expect(clusterWide, 'cluster-wide: only the cluster-scoped reads and metrics-reader').to.deep.equal(['ontap-kms-operator-cluster-scoped', 'ontap-kms-operator-metrics-reader']);
      for (const m of objs.filter((o) => o.kind === 'ClusterRole')) expect(verbsFor(rules(m), '', 'secrets'), m.metadata.name).to.deep.equal([]);
      // The ClusterOntapCluster Secrets live in the release namespace: readable there, nowhere else.
      const own = find(objs, 'Role', 'ontap-kms-operator-cluster-resources', 'ontap-kms-system');
      expect(verbsFor(rules(own), '', 'secrets')).to.deep.equal(['get', 'list', 'watch']);
      for (const ns of ['storage', 'team-b']) {
        const role = find(objs, 'Role', 'ontap-kms-operator', ns);
        expect(verbsFor(rules(role), '', 'secrets')).to.deep.equal(['create', 'get', 'list', 'update', 'watch']);
        const rb = find(objs, 'RoleBinding', 'ontap-kms-operator', ns);
        expect(at(rb, 'subjects', 0, 'namespace')).to.equal('ontap-kms-system');
      }
      const args = at(find(objs, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
      expect(args.filter((a) => a.startsWith('--namespace'))).to.deep.equal(['--namespace=storage', '--namespace=team-b']);
    });
  });

  describe('the graceful shutdown timeout', function () {
    it('refuses one that is not below terminationGracePeriodSeconds: the kubelet would kill the pod before the lease is released', async function () {
      const message = await renderError(['--set', 'allowAnyOntapEndpoint=true', '--set', 'terminationGracePeriodSeconds=20']);
      expect(message).to.contain('gracefulShutdownTimeoutSeconds must be below terminationGracePeriodSeconds');
      const objs = await renderChart(['--set', 'terminationGracePeriodSeconds=60', '--set', 'gracefulShutdownTimeoutSeconds=45']);
      expect(JSON.stringify(objs)).to.contain('--graceful-shutdown-timeout=45');
    });
  });

  describe('the ONTAP endpoint allow-list (required)', function () {
    it('refuses to render without allowedOntapEndpoints, saying which value to set and what allowAnyOntapEndpoint does', async function () {
      for (const args of [[], ['--set', 'allowAnyOntapEndpoint=false']]) {
        const message = await renderError(args);
        expect(message, args.join(' ')).to.contain('allowedOntapEndpoints is required: list your ONTAP clusters\' management addresses');
        expect(message).to.contain('allowAnyOntapEndpoint=true');
      }
    });

    it('renders --allow-any-ontap-endpoint, and no list, only with allowAnyOntapEndpoint=true', async function () {
      const objs = await renderChart(['--set', 'allowAnyOntapEndpoint=true']);
      const args = at(find(objs, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
      expect(args.filter((a) => a.startsWith('--allow'))).to.deep.equal(['--allow-any-ontap-endpoint']);
    });

    it('refuses allowAnyOntapEndpoint together with a list', async function () {
      const message = await renderError(['--set', 'allowAnyOntapEndpoint=true', '--set', 'allowedOntapEndpoints[0]=10.0.0.0/24']);
      expect(message).to.contain('allowAnyOntapEndpoint=true and allowedOntapEndpoints contradict each other');
    });
  });

  describe('options', function () {
    it('renders a ServiceMonitor for the metrics Service when asked: HTTPS, with the bearer token and TLS config', async function () {
      const objs = await renderChart(['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.labels.release=prometheus']);
      const sm = find(objs, 'ServiceMonitor');
      expect(sm.apiVersion).to.equal('monitoring.coreos.com/v1');
      expect(sm.metadata.labels?.release).to.equal('prometheus');
      expect(at(sm, 'spec', 'endpoints', 0, 'port')).to.equal('metrics');
      expect(at(sm, 'spec', 'endpoints', 0, 'scheme')).to.equal('https');
      expect(at(sm, 'spec', 'endpoints', 0, 'bearerTokenFile')).to.equal('/var/run/secrets/kubernetes.io/serviceaccount/token');
      expect(at(sm, 'spec', 'endpoints', 0, 'tlsConfig')).to.deep.equal({ insecureSkipVerify: true });
      expect(at(sm, 'spec', 'selector', 'matchLabels')).to.deep.equal(at(find(objs, 'Deployment'), 'spec', 'selector', 'matchLabels'));
    });

    it('renders a NetworkPolicy with metrics ingress and DNS, API server and ONTAP egress when asked', async function () {
      const objs = await renderChart([
        '--set', 'allowedOntapEndpoints[0]=10.0.0.0/24',
        '--set', 'networkPolicy.enabled=true',
        '--set', 'networkPolicy.ontap.cidrs[0]=10.0.0.0/24',
        '--set', 'networkPolicy.apiServer.cidrs[0]=172.20.0.1/32',
      ]);
      const np = find(objs, 'NetworkPolicy');
      expect(at(np, 'spec', 'policyTypes')).to.deep.equal(['Ingress', 'Egress']);
      expect(at(np, 'spec', 'ingress', 0, 'ports')).to.deep.equal([{ port: 'metrics', protocol: 'TCP' }]);
      expect(at(np, 'spec', 'ingress', 0, 'from', 0, 'namespaceSelector')).to.deep.equal({ matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } });
      const egress = at(np, 'spec', 'egress') as unknown[];
      expect(at(egress, 0, 'ports')).to.deep.equal([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
      expect(at(egress, 1, 'to')).to.deep.equal([{ ipBlock: { cidr: '172.20.0.1/32' } }]);
      expect(at(egress, 1, 'ports')).to.deep.equal([{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }]);
      expect(at(egress, 2, 'to')).to.deep.equal([{ ipBlock: { cidr: '10.0.0.0/24' } }]);
      expect(at(egress, 2, 'ports'), 'the port of an allow-list entry without one: 443').to.deep.equal([{ port: 443, protocol: 'TCP' }]);
      expect(egress).to.have.length(3);
      expect(JSON.stringify(np), 'no rule open to every address').to.not.contain('0.0.0.0/0');
    });

    it('refuses to render a NetworkPolicy without the API server CIDRs, saying which value to set (its 0.0.0.0/0 default made the ONTAP rule moot)', async function () {
      const message = await renderError([...TEST_ALLOW_LIST, '--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.ontap.cidrs[0]=10.0.0.0/24']);
      expect(message).to.contain('networkPolicy.enabled needs networkPolicy.apiServer.cidrs');
      expect(message).to.contain('networkPolicy.apiServer.ports');
    });

    for (const [value, cidr] of [['networkPolicy.apiServer.cidrs', '0.0.0.0/0'], ['networkPolicy.ontap.cidrs', '::/0']] as const) {
      it(`refuses ${cidr} in ${value}`, async function () {
        const other = value === 'networkPolicy.ontap.cidrs' ? 'networkPolicy.apiServer.cidrs' : 'networkPolicy.ontap.cidrs';
        const message = await renderError([...TEST_ALLOW_LIST, '--set', 'networkPolicy.enabled=true', '--set', `${value}[0]=${cidr}`, '--set', `${other}[0]=10.0.0.0/24`]);
        expect(message).to.contain(`networkPolicy: ${cidr} in networkPolicy.apiServer.cidrs or networkPolicy.ontap.cidrs would allow every destination`);
      });
    }

    it("opens the ONTAP CIDRs on the allow-list's ports: named ports, 443 without one, every port for :*, or networkPolicy.ontap.ports", async function () {
      const np = ['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.ontap.cidrs[0]=10.0.0.0/24', '--set', 'networkPolicy.apiServer.cidrs[0]=10.96.0.1/32'];
      const ontapRule = async (args: string[]): Promise<unknown> => at(find(await renderChart([...np, ...args]), 'NetworkPolicy'), 'spec', 'egress', 2);
      const named = await ontapRule(['--set', 'allowedOntapEndpoints={10.0.0.10,ontap1.corp:8443,[fd20::1]:9443,fd20::/64,*.ontap.corp:8443}']);
      expect(at(named, 'ports')).to.deep.equal([443, 8443, 9443].map((port) => ({ port, protocol: 'TCP' })));
      const any = await ontapRule(['--set', 'allowedOntapEndpoints={10.0.0.10,10.0.0.0/24:*}']);
      expect(any, 'an entry with :* opens every port').to.not.have.property('ports');
      const allowAny = await ontapRule(['--set', 'allowAnyOntapEndpoint=true']);
      expect(allowAny).to.not.have.property('ports');
      const own = await ontapRule(['--set', 'allowedOntapEndpoints={10.0.0.0/24:*}', '--set', 'networkPolicy.ontap.ports={443,8443}']);
      expect(at(own, 'ports')).to.deep.equal([{ port: 443, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }]);
    });

    it('refuses to render a NetworkPolicy without ONTAP CIDRs, saying which value to set', async function () {
      let failure: unknown;
      try {
        await renderChart(['--set', 'networkPolicy.enabled=true']);
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).message).to.contain('networkPolicy.enabled needs networkPolicy.ontap.cidrs');
    });

    it('passes the endpoint allow-list, plain-HTTP metrics and a metrics certificate Secret when asked', async function () {
      const allow = await renderChart(['--set', 'allowedOntapEndpoints[0]=10.0.0.0/24', '--set', 'allowedOntapEndpoints[1]=*.ontap.corp:8443']);
      const argsOf = (objs: Manifest[]): string[] => at(find(objs, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args') as string[];
      expect(argsOf(allow)).to.include('--allowed-ontap-endpoints=10.0.0.0/24,*.ontap.corp:8443');
      expect(argsOf(allow)).to.not.include('--allow-any-ontap-endpoint');

      const plain = await renderChart(['--set', 'metrics.secure=false', '--set', 'metrics.serviceMonitor.enabled=true']);
      expect(argsOf(plain)).to.include('--metrics-secure=false');
      expect(verbsFor(rules(find(plain, 'ClusterRole', 'ontap-kms-operator-cluster-scoped')), 'authentication.k8s.io', 'tokenreviews'), 'no reviews without HTTPS').to.deep.equal([]);
      expect(at(find(plain, 'ServiceMonitor'), 'spec', 'endpoints', 0)).to.not.have.property('scheme');

      const cert = await renderChart(['--set', 'metrics.certSecret=metrics-tls', '--set', 'metrics.reader.subjects[0].kind=ServiceAccount', '--set', 'metrics.reader.subjects[0].name=prometheus', '--set', 'metrics.reader.subjects[0].namespace=monitoring']);
      expect(argsOf(cert)).to.include('--metrics-cert-dir=/etc/ontap-kms-operator/metrics-certs');
      expect(at(find(cert, 'Deployment'), 'spec', 'template', 'spec', 'volumes')).to.deep.include({ name: 'metrics-certs', secret: { secretName: 'metrics-tls' } });
      const rb = find(cert, 'ClusterRoleBinding', 'ontap-kms-operator-metrics-reader');
      expect(at(rb, 'roleRef', 'name')).to.equal('ontap-kms-operator-metrics-reader');
      expect(at(rb, 'subjects', 0)).to.deep.equal({ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' });
    });

    it('sets the image, pull secrets and a single replica without leader election', async function () {
      const objs = await renderChart([
        '--set', 'image.repository=registry.example/kms', '--set', 'image.tag=dev', '--set', 'image.pullPolicy=Always',
        '--set', 'imagePullSecrets[0].name=regcred', '--set', 'replicaCount=1', '--set', 'leaderElection.enabled=false',
      ]);
      const pod = at(find(objs, 'Deployment'), 'spec', 'template', 'spec');
      expect(at(pod, 'containers', 0, 'image')).to.equal('registry.example/kms:dev');
      expect(at(pod, 'containers', 0, 'imagePullPolicy')).to.equal('Always');
      expect(at(pod, 'imagePullSecrets')).to.deep.equal([{ name: 'regcred' }]);
      expect(at(pod, 'containers', 0, 'args')).to.not.include('--leader-elect');
      expect(objs.filter((m) => m.metadata.name.endsWith('-leader-election')), 'no lease Role').to.be.empty;
    });

    it('names the image by digest when image.digest is set (the tag is then not used), and refuses one that is no digest', async function () {
      const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
      const objs = await renderChart(['--set', 'image.repository=registry.example/kms', '--set', 'image.tag=dev', '--set', `image.digest=${digest}`]);
      expect(at(find(objs, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image')).to.equal(`registry.example/kms@${digest}`);
      const message = await renderError([...TEST_ALLOW_LIST, '--set', 'image.digest=latest']);
      expect(message).to.match(/image\/digest/);
    });
  });
});

describe('helm chart: the PodDisruptionBudget (opt-in)', function () {
  this.timeout(60_000);
  const PDB = ['--set', 'podDisruptionBudget.enabled=true'];
  const specOf = async (args: string[]): Promise<unknown> => at(find(await renderChart([...PDB, ...args]), 'PodDisruptionBudget'), 'spec');

  it('is off by default', async function () {
    expect((await renderChart()).filter((m) => m.kind === 'PodDisruptionBudget')).to.deep.equal([]);
  });

  it('when enabled, lets one replica go at a time (maxUnavailable 1) and selects exactly the Deployment\'s pods', async function () {
    const objs = await renderChart(PDB);
    const pdb = find(objs, 'PodDisruptionBudget', 'ontap-kms-operator', 'ontap-kms-system');
    expect(pdb.apiVersion).to.equal('policy/v1');
    expect(at(pdb, 'spec', 'maxUnavailable')).to.equal(1);
    expect(at(pdb, 'spec', 'minAvailable')).to.equal(undefined);
    const podLabels = at(find(objs, 'Deployment'), 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    const selector = at(pdb, 'spec', 'selector', 'matchLabels') as Record<string, string>;
    expect(selector).to.deep.equal(at(find(objs, 'Deployment'), 'spec', 'selector', 'matchLabels'));
    expect(podLabels).to.include(selector);
  });

  it('takes minAvailable or maxUnavailable, as a number or a percentage', async function () {
    expect(await specOf(['--set', 'podDisruptionBudget.minAvailable=1'])).to.deep.include({ minAvailable: 1 });
    expect(await specOf(['--set', 'podDisruptionBudget.maxUnavailable=50%'])).to.deep.include({ maxUnavailable: '50%' });
    expect(await specOf(['--set', 'replicaCount=3', '--set', 'podDisruptionBudget.minAvailable=2'])).to.deep.include({ minAvailable: 2 });
  });

  it('refuses both at once, a budget that would block every drain, and a value that is neither number nor percentage', async function () {
    expect(await renderError([...TEST_ALLOW_LIST, ...PDB, '--set', 'podDisruptionBudget.minAvailable=1', '--set', 'podDisruptionBudget.maxUnavailable=1'])).to.contain('set minAvailable or maxUnavailable, not both');
    expect(await renderError([...TEST_ALLOW_LIST, ...PDB, '--set', 'podDisruptionBudget.minAvailable=2'])).to.contain('minAvailable 2 with replicaCount 2 would block every node drain');
    expect(await renderError([...TEST_ALLOW_LIST, ...PDB, '--set', 'replicaCount=1', '--set', 'podDisruptionBudget.minAvailable=1'])).to.contain('would block every node drain');
    expect(await renderError([...TEST_ALLOW_LIST, ...PDB, '--set', 'podDisruptionBudget.maxUnavailable=0'])).to.contain('maxUnavailable 0 would block every node drain');
    expect(await renderError([...TEST_ALLOW_LIST, ...PDB, '--set', 'podDisruptionBudget.minAvailable=most'])).to.match(/podDisruptionBudget\/minAvailable/);
  });

  it('passes helm lint --strict when enabled', async function () {
    const out = await helm(['lint', '--strict', CHART_DIR, ...TEST_ALLOW_LIST, ...PDB]);
    expect(out).to.contain('0 chart(s) failed');
    expect(out).to.not.match(/\[(WARNING|ERROR)\]/);
  });
});
