import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const c = parseConfig([], {});
    if (c === 'help') throw new Error('help');
    const { allowedOntapEndpoints, ...rest } = c;
    expect(allowedOntapEndpoints.empty, 'an empty allow-list').to.equal(true);
    expect(allowedOntapEndpoints.allowsAny, 'which allows no endpoint').to.equal(false);
    expect(allowedOntapEndpoints.verdict('https://10.0.0.10').kind).to.equal('denied');
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
      gracefulShutdownTimeoutSeconds: 20,
      maxConcurrentRekeysPerCluster: 1,
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
  it('takes ports and :* in allowed endpoints, 443 without one', () => {
    const c = parseConfig(['--allowed-ontap-endpoints', '127.0.0.0/8:*,ontap1.corp:8443,[fd20::/64]:8443,10.0.0.10'], {});
    if (c === 'help') throw new Error('help');
    const l = c.allowedOntapEndpoints;
    expect(['https://127.0.0.1:40123', 'https://ontap1.corp:8443', 'https://[fd20::1]:8443', 'https://10.0.0.10'].map((e) => l.verdict(e).kind)).to.deep.equal(['allowed', 'allowed', 'allowed', 'allowed']);
    expect(l.verdict('https://10.0.0.10:8443').kind).to.equal('denied');
    // ontap1.corp is listed for 8443 only; on 443 it is resolved, and only 10.0.0.10 may be dialled.
    expect(l.verdict('https://ontap1.corp').kind).to.equal('resolve');
  });
  it('allows every endpoint only with --allow-any-ontap-endpoint', () => {
    const c = parseConfig(['--allow-any-ontap-endpoint'], {});
    if (c === 'help') throw new Error('help');
    expect(c.allowedOntapEndpoints.allowsAny).to.equal(true);
    expect(c.allowedOntapEndpoints.verdict('https://169.254.169.254:80').kind).to.equal('allowed');
  });
  const bad: Array<[string[], RegExp]> = [
    [['--allow-any-ontap-endpoint', '--allowed-ontap-endpoints', '10.0.0.0/24'], /--allow-any-ontap-endpoint and --allowed-ontap-endpoints contradict each other/],
    [['--allow-any-ontap-endpoint=yes'], /allow-any-ontap-endpoint/],
    [['--allowed-ontap-endpoints', '::/0'], /--allowed-ontap-endpoints: allowed ONTAP endpoint "::\/0" covers ::ffff:0:0\/96.*every IPv4 address: list IPv4 ranges as IPv4/],
    [['--allowed-ontap-endpoints', '::ffff:0:0/104'], /--allowed-ontap-endpoints: allowed ONTAP endpoint "::ffff:0:0\/104" is inside ::ffff:0:0\/96/],
    [['--allowed-ontap-endpoints', '10.0.0.10:70000'], /--allowed-ontap-endpoints: allowed ONTAP endpoint "10.0.0.10:70000": the port must be 1 to 65535, or \*/],
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
