import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const c = parseConfig([], {});
    if (c === 'help') throw new Error('help');
    const { allowedOntapEndpoints, ...rest } = c;
    expect(allowedOntapEndpoints.empty, 'an empty allow-list: every endpoint, as before').to.equal(true);
    expect(rest).to.deep.equal({
      kubeconfig: undefined,
      namespaces: undefined,
      metricsBindAddress: ':8443',
      metricsSecure: true,
      metricsCertDir: undefined,
      clusterResourceNamespace: 'default',
      healthProbeBindAddress: ':8081',
      leaderElect: false,
      leaderElectionNamespace: 'default',
      leaderElectionId: 'ontap-kms-operator',
      maxConcurrentReconciles: 4,
      logLevel: 'info',
      logFormat: 'json',
      cacheSyncTimeoutSeconds: 120,
      reconcileTimeoutSeconds: 180,
    });
  });
  it('takes repeated and comma-separated namespaces, without duplicates', () => {
    const c = parseConfig(['--namespace', 'a', '--namespace', 'b,c', '--namespace', 'a'], {});
    expect(c !== 'help' && c.namespaces).to.deep.equal(['a', 'b', 'c']);
  });
  it('takes the lease namespace from POD_NAMESPACE', () => {
    const c = parseConfig(['--leader-elect'], { POD_NAMESPACE: 'ops' });
    expect(c !== 'help' && c.leaderElectionNamespace).to.equal('ops');
  });
  it('takes the cluster resource namespace from POD_NAMESPACE, and plain-HTTP metrics only when asked', () => {
    const c = parseConfig(['--metrics-secure=false'], { POD_NAMESPACE: 'ops' });
    expect(c !== 'help' && c.clusterResourceNamespace).to.equal('ops');
    expect(c !== 'help' && c.metricsSecure).to.equal(false);
  });
  it('takes repeated and comma-separated allowed endpoints', () => {
    const c = parseConfig(['--allowed-ontap-endpoints', '10.0.0.0/24,ontap1.corp', '--allowed-ontap-endpoints', '*.ontap.corp'], {});
    if (c === 'help') throw new Error('help');
    expect(c.allowedOntapEndpoints.entries).to.deep.equal(['10.0.0.0/24', 'ontap1.corp', '*.ontap.corp']);
  });
  const bad: Array<[string[], RegExp]> = [
    [['--allowed-ontap-endpoints', '10.0.0.0/33'], /--allowed-ontap-endpoints: allowed ONTAP endpoint "10.0.0.0\/33": not a CIDR/],
    [['--allowed-ontap-endpoints', 'https://ontap1'], /--allowed-ontap-endpoints: .*not a URL/], [['--allowed-ontap-endpoints', 'ontap_1'], /not a CIDR, an IP address, a host name/],
    [['--metrics-secure', 'maybe'], /--metrics-secure: expected one of true, false/],
    [['--max-concurrent-reconciles', '0'], /--max-concurrent-reconciles: expected an integer from 1 to 1000, got "0"/],
    [['--cache-sync-timeout', '1e9'], /--cache-sync-timeout: expected an integer from 1 to 86400, got "1e9"/],
    [['--reconcile-timeout', 'soon'], /--reconcile-timeout: expected an integer from 1 to 3600/],
    [['--log-level', 'loud'], /--log-level: expected one of error, warn, info, debug, got "loud"/],
    [['--log-format', 'xml'], /--log-format/],
    [['--no-such-flag'], /no-such-flag/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')}, naming the flag`, () => {
      expect(() => parseConfig(args, {})).to.throw(ConfigError, message);
    });
  }
  it('--help', () => expect(parseConfig(['--help'], {})).to.equal('help'));
});
