import { expect } from 'chai';
import { ParseError } from '../../../src/json/read.js';
import { parseAzureKeyVaultRecord } from '../../../src/ontap/wire-azure.js';
import { parseGcpKmsRecord } from '../../../src/ontap/wire-gcp.js';

const STATUS = {
  state: { cluster_state: true, code: '0', message: '' },
  ekmip_reachability: [{ node: { name: 'node1', uuid: 'n1', _links: {} }, reachable: true, code: '0', message: '' }],
};

describe('ONTAP wire parsers: azure-key-vaults and gcp-kms', () => {
  it('parses a full azure-key-vaults record, advanced fields included, and drops unknown and write-only members', () => {
    const rec = parseAzureKeyVaultRecord({
      uuid: 'u1', svm: { name: 'svm1', uuid: 's1' }, scope: 'svm', enabled: true,
      configuration: { name: 'default', uuid: 'u1' }, authentication_method: 'certificate',
      client_id: 'c', tenant_id: 't', name: 'https://v.vault.azure.net/', key_id: 'k', port: 443, verify_ip: false,
      client_secret: 'never-sent-but-ignored', azure_reachability: { reachable: false, code: 65537915, message: 'no' },
      ...STATUS, _links: { self: { href: '/x' } },
    });
    expect(rec).to.deep.equal({
      uuid: 'u1', svm: { name: 'svm1', uuid: 's1' }, scope: 'svm', enabled: true,
      configuration: { name: 'default', uuid: 'u1' }, authentication_method: 'certificate',
      client_id: 'c', tenant_id: 't', name: 'https://v.vault.azure.net/', key_id: 'k', port: 443, verify_ip: false,
      azure_reachability: { reachable: false, code: '65537915', message: 'no' },
      state: STATUS.state,
      ekmip_reachability: [{ node: { name: 'node1', uuid: 'n1' }, reachable: true, code: '0', message: '' }],
    });
  });

  it('parses a full gcp-kms record; an authentication_method from a later release is left out', () => {
    const rec = parseGcpKmsRecord({
      uuid: 'g1', scope: 'cluster', project_id: 'p', key_ring_name: 'r', key_ring_location: 'global', key_name: 'k',
      caller_account: 'a@p', authentication_method: 'workload_identity', oauth_url: 'https://oauth2.googleapis.com/token',
      google_reachability: { reachable: true, code: '0', message: '' }, ...STATUS,
    });
    expect(rec).to.deep.equal({
      uuid: 'g1', scope: 'cluster', project_id: 'p', key_ring_name: 'r', key_ring_location: 'global', key_name: 'k',
      caller_account: 'a@p', oauth_url: 'https://oauth2.googleapis.com/token',
      google_reachability: { reachable: true, code: '0', message: '' },
      state: STATUS.state,
      ekmip_reachability: [{ node: { name: 'node1', uuid: 'n1' }, reachable: true, code: '0', message: '' }],
    });
  });

  const bad: Array<{ reason: string; parse: (v: unknown) => unknown; value: unknown; path: string }> = [
    { reason: 'azure: enabled as a string', parse: parseAzureKeyVaultRecord, value: { enabled: 'true' }, path: 'record.enabled' },
    { reason: 'azure: configuration not an object', parse: parseAzureKeyVaultRecord, value: { configuration: 'x' }, path: 'record.configuration' },
    { reason: 'azure: azure_reachability.reachable as a string', parse: parseAzureKeyVaultRecord, value: { azure_reachability: { reachable: 'y' } }, path: 'record.azure_reachability.reachable' },
    { reason: 'gcp: port as a string', parse: parseGcpKmsRecord, value: { port: '443' }, path: 'record.port' },
    { reason: 'gcp: svm without a name', parse: parseGcpKmsRecord, value: { svm: { uuid: 's' } }, path: 'record.svm.name' },
    { reason: 'gcp: ekmip_reachability not an array', parse: parseGcpKmsRecord, value: { ekmip_reachability: {} }, path: 'record.ekmip_reachability' },
  ];
  for (const c of bad) {
    it(`refuses ${c.reason}, naming the path`, () => {
      expect(() => c.parse(c.value)).to.throw(ParseError).with.property('path', c.path);
    });
  }
});
