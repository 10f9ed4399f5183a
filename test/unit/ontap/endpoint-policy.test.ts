import { expect } from 'chai';
import { EndpointAllowList, ENDPOINT_NOT_ALLOWED, NOTHING_ALLOWED } from '../../../src/ontap/endpoint-policy.js';

describe('EndpointAllowList', () => {
  const list = EndpointAllowList.parse(['10.0.0.0/24', 'fd20::/64', '192.168.1.7', 'ontap1.corp', '*.ontap.example']);
  const cases: Array<{ reason: string; endpoint: string; want: 'allowed' | 'resolve' | 'denied' }> = [
    { reason: 'an IP inside a CIDR', endpoint: 'https://10.0.0.10', want: 'allowed' },
    { reason: 'an IP inside a CIDR, with port 443 spelt out', endpoint: 'https://10.0.0.10:443', want: 'allowed' },
    { reason: 'an IP inside a CIDR, on another port than 443', endpoint: 'https://10.0.0.10:8443', want: 'denied' },
    { reason: 'an IP just outside the CIDR', endpoint: 'https://10.0.1.10', want: 'denied' },
    { reason: 'a listed single IP', endpoint: 'https://192.168.1.7', want: 'allowed' },
    { reason: 'its neighbour', endpoint: 'https://192.168.1.8', want: 'denied' },
    { reason: 'an IPv6 literal inside the v6 CIDR', endpoint: 'https://[fd20::10]:443', want: 'allowed' },
    { reason: 'an IPv6 literal inside the v6 CIDR, another port', endpoint: 'https://[fd20::10]:8443', want: 'denied' },
    { reason: 'an IPv6 literal outside', endpoint: 'https://[fd21::10]', want: 'denied' },
    { reason: 'the metadata service', endpoint: 'https://169.254.169.254', want: 'denied' },
    { reason: 'loopback', endpoint: 'https://127.0.0.1:6443', want: 'denied' },
    { reason: 'an IPv4-mapped IPv6 literal of an allowed address', endpoint: 'https://[::ffff:10.0.0.10]', want: 'allowed' },
    { reason: 'an IPv4-mapped IPv6 literal, hex spelling', endpoint: 'https://[::ffff:a00:a]', want: 'allowed' },
    { reason: 'an IPv4-mapped IPv6 literal of a refused one', endpoint: 'https://[::ffff:127.0.0.1]', want: 'denied' },
    { reason: 'a listed host name, any case, trailing dot', endpoint: 'https://ONTAP1.corp.', want: 'allowed' },
    { reason: 'a listed host name on another port, with no CIDR listed for that port', endpoint: 'https://ontap1.corp:8443', want: 'denied' },
    { reason: 'a name under a wildcard', endpoint: 'https://a.b.ontap.example', want: 'allowed' },
    { reason: 'the wildcard domain itself is not under it', endpoint: 'https://ontap.example', want: 'resolve' },
    { reason: 'a name that merely ends the same', endpoint: 'https://evilontap.example', want: 'resolve' },
    { reason: 'an unlisted name: resolved, and only CIDR addresses dialled', endpoint: 'https://kubernetes.default.svc', want: 'resolve' },
    { reason: 'an unlisted name on a port no CIDR is listed for', endpoint: 'https://kubernetes.default.svc:6443', want: 'denied' },
  ];
  for (const c of cases) {
    it(`${c.reason}: ${c.want}`, () => {
      expect(list.verdict(c.endpoint).kind).to.equal(c.want);
    });
  }

  it('without CIDRs, an unlisted name is refused outright', () => {
    expect(EndpointAllowList.parse(['ontap1.corp']).verdict('https://other.corp').kind).to.equal('denied');
  });

  it('empty: no endpoint at all, and why names the flag and the chart value', () => {
    const none = EndpointAllowList.parse([]);
    expect(none.empty).to.equal(true);
    expect(none.allowsAny).to.equal(false);
    for (const endpoint of ['https://169.254.169.254', 'https://10.0.0.10', 'https://ontap1.corp', 'https://127.0.0.1:8443']) {
      const v = none.verdict(endpoint);
      expect(v, endpoint).to.deep.equal({ kind: 'denied', why: NOTHING_ALLOWED });
    }
    expect(NOTHING_ALLOWED).to.contain('--allowed-ontap-endpoints').and.to.contain('allowedOntapEndpoints');
    expect(none.addressAllowed('10.0.0.10')).to.equal(false);
  });

  it('allowAny: every host and port, and only when asked; with entries it is a contradiction', () => {
    const any = EndpointAllowList.parse([], { allowAny: true });
    expect(any.allowsAny).to.equal(true);
    for (const endpoint of ['https://169.254.169.254', 'https://ontap1.corp:8443', 'https://[fd20::1]:1']) expect(any.verdict(endpoint).kind, endpoint).to.equal('allowed');
    expect(() => EndpointAllowList.parse(['10.0.0.0/24'], { allowAny: true })).to.throw(/contradict/);
  });

  describe('ports', () => {
    const verdict = (entries: string[], endpoint: string): string => EndpointAllowList.parse(entries).verdict(endpoint).kind;
    const cases: Array<{ entry: string; endpoint: string; want: 'allowed' | 'resolve' | 'denied' }> = [
      // No port in the entry: 443 only.
      { entry: '10.0.0.10', endpoint: 'https://10.0.0.10', want: 'allowed' },
      { entry: '10.0.0.10', endpoint: 'https://10.0.0.10:443', want: 'allowed' },
      { entry: '10.0.0.10', endpoint: 'https://10.0.0.10:8443', want: 'denied' },
      { entry: '10.0.0.0/24', endpoint: 'https://10.0.0.99:22', want: 'denied' },
      { entry: 'ontap1.corp', endpoint: 'https://ontap1.corp', want: 'allowed' },
      { entry: 'ontap1.corp', endpoint: 'https://ontap1.corp:8443', want: 'denied' },
      { entry: '*.ontap.corp', endpoint: 'https://a.ontap.corp', want: 'allowed' },
      { entry: '*.ontap.corp', endpoint: 'https://a.ontap.corp:8080', want: 'denied' },
      { entry: 'fd20::1', endpoint: 'https://[fd20::1]', want: 'allowed' },
      { entry: 'fd20::/64', endpoint: 'https://[fd20::1]:8443', want: 'denied' },
      // A port named: that port only.
      { entry: '10.0.0.10:8443', endpoint: 'https://10.0.0.10:8443', want: 'allowed' },
      { entry: '10.0.0.10:8443', endpoint: 'https://10.0.0.10', want: 'denied' },
      { entry: '10.0.0.0/24:8443', endpoint: 'https://10.0.0.7:8443', want: 'allowed' },
      { entry: '10.0.0.0/24:8443', endpoint: 'https://10.0.0.7:8444', want: 'denied' },
      { entry: 'ontap1.corp:8443', endpoint: 'https://ontap1.corp:8443', want: 'allowed' },
      { entry: 'ontap1.corp:8443', endpoint: 'https://ontap1.corp', want: 'denied' },
      { entry: '*.ontap.corp:8443', endpoint: 'https://a.ontap.corp:8443', want: 'allowed' },
      { entry: '[fd20::1]:8443', endpoint: 'https://[fd20::1]:8443', want: 'allowed' },
      { entry: '[fd20::1]:8443', endpoint: 'https://[fd20::1]', want: 'denied' },
      { entry: '[fd20::/64]:8443', endpoint: 'https://[fd20::abcd]:8443', want: 'allowed' },
      { entry: '[fd20::/64]:8443', endpoint: 'https://[fd20::abcd]:443', want: 'denied' },
      { entry: '[fd20::/64]', endpoint: 'https://[fd20::abcd]', want: 'allowed' },
      // :* any port.
      { entry: '127.0.0.0/8:*', endpoint: 'https://127.0.0.1:34567', want: 'allowed' },
      { entry: '127.0.0.0/8:*', endpoint: 'https://127.0.0.1', want: 'allowed' },
      { entry: '127.0.0.0/8:*', endpoint: 'https://10.0.0.1:34567', want: 'denied' },
      { entry: 'ontap1.corp:*', endpoint: 'https://ontap1.corp:9', want: 'allowed' },
      { entry: '[fd20::/64]:*', endpoint: 'https://[fd20::1]:9', want: 'allowed' },
      // A name allowed only by address: resolved only when a CIDR is listed for the endpoint's port.
      { entry: '10.0.0.0/24', endpoint: 'https://ontap1.corp', want: 'resolve' },
      { entry: '10.0.0.0/24', endpoint: 'https://ontap1.corp:8443', want: 'denied' },
      { entry: '10.0.0.0/24:8443', endpoint: 'https://ontap1.corp:8443', want: 'resolve' },
      { entry: '10.0.0.0/24:*', endpoint: 'https://ontap1.corp:8443', want: 'resolve' },
    ];
    for (const c of cases) {
      it(`${c.entry} → ${c.endpoint}: ${c.want}`, () => expect(verdict([c.entry], c.endpoint)).to.equal(c.want));
    }

    it('the attack: with a localhost entry, another port on that host is denied, saying which ports are allowed', () => {
      const v = EndpointAllowList.parse(['localhost']).verdict('https://localhost:6443');
      expect(v.kind).to.equal('denied');
      expect(v.kind === 'denied' && v.why).to.equal('host localhost is allowed on port 443, not on port 6443');
      const lit = EndpointAllowList.parse(['127.0.0.1']).verdict('https://127.0.0.1:2379');
      expect(lit.kind === 'denied' && lit.why).to.equal('127.0.0.1 on port 2379 is in no allowed CIDR for that port');
    });

    it('the same host may be listed for several ports', () => {
      const l = EndpointAllowList.parse(['ontap1.corp', 'ontap1.corp:8443', '10.0.0.10', '10.0.0.10:8443']);
      for (const e of ['https://ontap1.corp', 'https://ontap1.corp:8443', 'https://10.0.0.10', 'https://10.0.0.10:8443']) expect(l.verdict(e).kind, e).to.equal('allowed');
      expect(l.verdict('https://10.0.0.10:9443').kind).to.equal('denied');
    });

    it('addressAllowed checks the port: 443 by default', () => {
      const l = EndpointAllowList.parse(['10.0.0.0/24', '10.1.0.0/24:8443']);
      expect(l.addressAllowed('10.0.0.1')).to.equal(true);
      expect(l.addressAllowed('10.0.0.1', 8443)).to.equal(false);
      expect(l.addressAllowed('10.1.0.1', 8443)).to.equal(true);
      expect(l.addressAllowed('10.1.0.1', 443)).to.equal(false);
      expect(l.addressAllowed('::ffff:10.1.0.1', 8443), 'an IPv4-mapped address is the IPv4 address').to.equal(true);
    });

    it('the resolve verdict carries the port', () => {
      expect(EndpointAllowList.parse(['10.0.0.0/24:8443']).verdict('https://ontap1.corp:8443')).to.deep.equal({ kind: 'resolve', port: 8443 });
      expect(EndpointAllowList.parse(['10.0.0.0/24']).verdict('https://ontap1.corp')).to.deep.equal({ kind: 'resolve', port: 443 });
    });
  });

  describe('IPv6 entries and the IPv4-mapped range', () => {
    for (const entry of ['::/0', '[::/0]:*', '::/64', '::ffff:0:0/96', '::ffff:0:0/104', '[::ffff:0:0/104]:443', '::ffff:10.0.0.0/120', '::ffff:10.0.0.1', '[::ffff:a00:1]:8443']) {
      it(`refuses ${entry}, which would allow IPv4 addresses, saying to list them as IPv4`, () => {
        expect(() => EndpointAllowList.parse([entry])).to.throw(/IPv4-mapped addresses.*list IPv4 ranges as IPv4/);
      });
    }
    it('::/0 names every IPv4 address in its message', () => {
      expect(() => EndpointAllowList.parse(['::/0'])).to.throw(`allowed ONTAP endpoint "::/0" covers ::ffff:0:0/96`);
    });
    for (const entry of ['fd20::/64', '2000::/3', '::1', '[::1]:*', '::ffff:0:0:0/96', '64:ff9b::/96']) {
      it(`takes ${entry}, which leaves ::ffff:0:0/96 out`, () => {
        expect(() => EndpointAllowList.parse([entry])).to.not.throw();
      });
    }
    it('an IPv6 entry next to IPv4 ones does not let an IPv4 address through', () => {
      const l = EndpointAllowList.parse(['[2000::/3]:*', '10.0.0.0/24']);
      expect(l.verdict('https://10.0.1.1').kind).to.equal('denied');
      expect(l.verdict('https://[::ffff:10.0.1.1]').kind).to.equal('denied');
      expect(l.verdict('https://[::ffff:10.0.0.1]').kind).to.equal('allowed');
      expect(l.verdict('https://[2001:db8::1]:8443').kind).to.equal('allowed');
    });
  });

  it('refuses entries it cannot read, naming them', () => {
    for (const bad of [
      '10.0.0.0/33', 'fd20::/129', '10.0.0.0/x', 'https://ontap1', 'under_score', '*.', '',
      '10.0.0.10:0', '10.0.0.10:65536', '10.0.0.10:', '10.0.0.10:https', 'ontap1.corp:80:80', '[fd20::1', '[ontap1.corp]:443', '[fd20::1]8443', '[fd20::1]:',
    ]) {
      expect(() => EndpointAllowList.parse([bad]), bad).to.throw(/allowed ONTAP endpoint/);
    }
  });

  it('its socket lookup drops addresses outside the CIDRs for its port, and fails without dialling when none is left', async () => {
    const only10 = EndpointAllowList.parse(['10.0.0.0/8']);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      only10.lookup()('localhost', { all: false }, (e) => resolve(e));
    });
    expect(err?.code).to.equal(ENDPOINT_NOT_ALLOWED);
    const loop = EndpointAllowList.parse(['127.0.0.0/8']);
    const address = await new Promise<string>((resolve, reject) => {
      loop.lookup(443)('localhost', { family: 4 }, (e, a) => (e ? reject(e) : resolve(a as string)));
    });
    expect(address).to.equal('127.0.0.1');
    // The same entry, looked up for a connection to another port: nothing is left.
    const other = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      loop.lookup(6443)('localhost', { family: 4 }, (e) => resolve(e));
    });
    expect(other?.code).to.equal(ENDPOINT_NOT_ALLOWED);
    expect(other?.message).to.contain('for port 6443');
  });
});
