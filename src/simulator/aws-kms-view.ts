/**
 * How an aws-kms record looks to a GET: the stored fields minus the write-only ones, plus the
 * advanced status members computed from the simulated AWS and node reachability.
 */
import type { SimState, StoredAwsKms } from './state.js';

/** AWS_KMS_FIELDS are the non-advanced fields a GET can return (what `fields=*` means). */
export const AWS_KMS_FIELDS: readonly string[] = [
  'uuid', 'svm', 'scope', 'key_id', 'region', 'access_key_id', 'service', 'default_domain', 'host', 'port',
  'proxy_type', 'proxy_host', 'proxy_port', 'proxy_username', 'polling_period', 'encryption_context',
  'timeout', 'verify', 'verify_host', 'verify_ip', 'skip_verify',
];

/** AWS_KMS_ADVANCED are returned only when named in `fields` (or with `**`). */
export const AWS_KMS_ADVANCED: readonly string[] = ['state', 'amazon_reachability', 'ekmip_reachability'];

/** AWS_KMS_KEYS are returned in every record, and are all a collection GET returns by default. */
export const AWS_KMS_KEYS: readonly string[] = ['uuid', 'svm', 'scope'];

/** awsKmsView renders a record with every GET-visible field, advanced ones included. */
export function awsKmsView(state: SimState, r: StoredAwsKms): Record<string, unknown> {
  const awsOk = state.aws.reachable && state.credentialsAccepted(r.access_key_id, r.secret_access_key);
  const awsWhy = !state.aws.reachable ? 'connection timed out' : 'the security token included in the request is invalid';
  const down = state.nodes.filter((n) => !awsOk || !n.ekmipReachable).map((n) => n.name);
  const out: Record<string, unknown> = {
    uuid: r.uuid,
    ...(r.svm !== undefined ? { svm: { name: r.svm.name, uuid: r.svm.uuid, _links: { self: { href: `/api/svm/svms/${r.svm.uuid}` } } } } : {}),
    scope: r.scope,
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
    state:
      down.length === 0
        ? { cluster_state: true, code: '0', message: '' }
        : {
            cluster_state: false,
            code: '65537551',
            message: `AWS KMS key protection is unavailable on the following nodes: ${down.join(', ')}.`,
          },
    amazon_reachability: awsOk
      ? { reachable: true, code: '0', message: '' }
      : { reachable: false, code: '65537915', message: `Amazon KMS is not reachable from all nodes - ${awsWhy}.` },
    ekmip_reachability: state.nodes.map((n) => ({
      node: { name: n.name, uuid: n.uuid, _links: { self: { href: `/api/cluster/nodes/${n.uuid}` } } },
      reachable: n.ekmipReachable,
      code: n.ekmipReachable ? '0' : '65537552',
      message: n.ekmipReachable ? '' : 'embedded KMIP server status unavailable on node.',
    })),
    _links: { self: { href: `/api/security/aws-kms/${r.uuid}` } },
  };
  return out;
}

function optional(r: StoredAwsKms, keys: readonly (keyof StoredAwsKms)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r[k] !== undefined) out[k] = r[k];
  return out;
}
