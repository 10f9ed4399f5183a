import { expect } from 'chai';
import { EndpointAllowList, ENDPOINT_NOT_ALLOWED } from '../../../src/ontap/endpoint-policy.js';

describe('EndpointAllowList', () => {
  const list = EndpointAllowList.parse(['10.0.0.0/24', 'fd20::/64', '192.168.1.7', 'ontap1.corp', '*.ontap.example']);
  const cases: Array<{ reason: string; endpoint: string; want: 'allowed' | 'resolve' | 'denied' }> = [
    { reason: 'an IP inside a CIDR', endpoint: 'https://10.0.0.10', want: 'allowed' },
    { reason: 'an IP inside a CIDR, with a port', endpoint: 'https://10.0.0.10:8443', want: 'allowed' },
    { reason: 'an IP just outside the CIDR', endpoint: 'https://10.0.1.10', want: 'denied' },
    { reason: 'a listed single IP', endpoint: 'https://192.168.1.7', want: 'allowed' },
    { reason: 'its neighbour', endpoint: 'https://192.168.1.8', want: 'denied' },
    { reason: 'an IPv6 literal inside the v6 CIDR', endpoint: 'https://[fd20::10]:443', want: 'allowed' },
    { reason: 'an IPv6 literal outside', endpoint: 'https://[fd21::10]', want: 'denied' },
    { reason: 'the metadata service', endpoint: 'https://169.254.169.254', want: 'denied' },
    { reason: 'loopback', endpoint: 'https://127.0.0.1:6443', want: 'denied' },
    { reason: 'an IPv4-mapped IPv6 literal of an allowed address', endpoint: 'https://[::ffff:10.0.0.10]', want: 'allowed' },
    { reason: 'an IPv4-mapped IPv6 literal of a refused one', endpoint: 'https://[::ffff:127.0.0.1]', want: 'denied' },
    { reason: 'a listed host name, any case, trailing dot', endpoint: 'https://ONTAP1.corp.', want: 'allowed' },
    { reason: 'a name under a wildcard', endpoint: 'https://a.b.ontap.example', want: 'allowed' },
    { reason: 'the wildcard domain itself is not under it', endpoint: 'https://ontap.example', want: 'resolve' },
    { reason: 'a name that merely ends the same', endpoint: 'https://evilontap.example', want: 'resolve' },
    { reason: 'an unlisted name: resolved, and only CIDR addresses dialled', endpoint: 'https://kubernetes.default.svc', want: 'resolve' },
  ];
  for (const c of cases) {
    it(`${c.reason}: ${c.want}`, () => {
      expect(list.verdict(c.endpoint).kind).to.equal(c.want);
    });
  }

  it('without CIDRs, an unlisted name is refused outright', () => {
    expect(EndpointAllowList.parse(['ontap1.corp']).verdict('https://other.corp').kind).to.equal('denied');
  });

  it('empty: every endpoint, as before the list', () => {
    const open = EndpointAllowList.parse([]);
    expect(open.empty).to.equal(true);
    expect(open.verdict('https://169.254.169.254').kind).to.equal('allowed');
  });

  it('refuses entries it cannot read, naming them', () => {
    for (const bad of ['10.0.0.0/33', 'fd20::/129', '10.0.0.0/x', 'https://ontap1', 'under_score', '*.', '']) {
      expect(() => EndpointAllowList.parse([bad]), bad).to.throw(/allowed ONTAP endpoint/);
    }
  });

  it('its socket lookup drops addresses outside the CIDRs, and fails without dialling when none is left', async () => {
    const only10 = EndpointAllowList.parse(['10.0.0.0/8']);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      only10.lookup()('localhost', { all: false }, (e) => resolve(e));
    });
    expect(err?.code).to.equal(ENDPOINT_NOT_ALLOWED);
    const loop = EndpointAllowList.parse(['127.0.0.0/8']);
    const address = await new Promise<string>((resolve, reject) => {
      loop.lookup()('localhost', { family: 4 }, (e, a) => (e ? reject(e) : resolve(a as string)));
    });
    expect(address).to.equal('127.0.0.1');
  });
});
