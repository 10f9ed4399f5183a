/**
 * How an aws-kms record looks to a GET: the stored fields minus the write-only ones, plus the
 * advanced status members computed from the simulated AWS and node reachability.
 */
import { type CloudStatus, identityMembers, optional, selfLink, statusMembers } from './key-manager-family.js';
import type { SimState, StoredAwsKms } from './state.js';

/** AWS_KMS_FIELDS are the non-advanced fields a GET can return (what `fields=*` means). */
export const AWS_KMS_FIELDS: readonly string[] = [
  'uuid', 'svm', 'scope', 'key_id', 'region', 'access_key_id', 'service', 'default_domain', 'host', 'port',
  'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username', 'polling_period', 'encryption_context',
  'timeout', 'verify', 'verify_host', 'verify_ip', 'skip_verify',
];


/** AWS_STATUS: codes of the advanced members (docs/ontap-rest.md, "Error codes", GET). */
export const AWS_STATUS: CloudStatus = {
  member: 'amazon_reachability',
  unreachable: { code: '65537915', message: 'Amazon KMS is not reachable from all nodes.' },
  unavailable: { code: '65537551', message: 'AWS KMS key protection is unavailable on the following nodes:' },
};

/** awsReachable tells whether simulated AWS answers with the record's key pair. */
export function awsReachable(state: SimState, creds: { access_key_id: string; secret_access_key: string }): boolean {
  return state.aws.reachable && state.credentialsAccepted(creds.access_key_id, creds.secret_access_key);
}

/** awsKmsView renders a record with every GET-visible field, advanced ones included. */
export function awsKmsView(state: SimState, r: StoredAwsKms): Record<string, unknown> {
  return {
    ...identityMembers(r),
    key_id: r.key_id,
    region: r.region,
    access_key_id: r.access_key_id,
    service: r.service,
    default_domain: r.default_domain,
    host: r.host,
    port: r.port,
    ...optional(r, ['proxy_type', 'proxy_host', 'proxy_port', 'proxy_username']),
    polling_period: r.polling_period,
    ...optional(r, ['encryption_context']),
    timeout: r.timeout,
    verify: r.verify,
    verify_host: r.verify_host,
    verify_ip: r.verify_ip,
    skip_verify: r.skip_verify,
    ...statusMembers(state.nodes, awsReachable(state, r), AWS_STATUS, state.keysLost.has(state.svmKey(r))),
    ...selfLink('/api/security/aws-kms', r.uuid),
  };
}
