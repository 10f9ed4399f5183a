import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(parseConfig([], {})).to.deep.equal({
      kubeconfig: undefined,
      namespaces: undefined,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: false,
      leaderElectionNamespace: 'default',
      leaderElectionId: 'ontap-kms-operator',
      maxConcurrentReconciles: 2,
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
  const bad: Array<[string[], RegExp]> = [
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
