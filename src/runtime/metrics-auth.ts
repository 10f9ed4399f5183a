/**
 * MetricsAuth guards /metrics the way controller-runtime's secure metrics serving does
 * (filters.WithAuthenticationAndAuthorization): the bearer token is checked with a TokenReview,
 * and the user it names must be allowed `get` on the non-resource URL /metrics by a
 * SubjectAccessReview. Answers are cached briefly, keyed by a hash of the token (never the
 * token), so a scrape every few seconds costs the API server two reviews a minute at most.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRecord, type KubeApi, type ResourceType } from './kube.js';
import type { Logger } from './logger.js';
import type { RouteResult } from './http-server.js';

const TokenReviewType: ResourceType = { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview' };
const SubjectAccessReviewType: ResourceType = { group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews', kind: 'SubjectAccessReview' };

/** CACHE_TTL_MS is how long a review's answer is reused. */
const CACHE_TTL_MS = 10_000;
/** CACHE_MAX bounds the cache; past it the cache starts afresh (a flood of bad tokens cannot grow it). */
const CACHE_MAX = 1_024;

/** UserInfo is what a TokenReview says of a token's holder. */
interface UserInfo {
  readonly username: string;
  readonly uid: string;
  readonly groups: string[];
  readonly extra: Record<string, string[]>;
}

/** MetricsAuthOptions configure {@link MetricsAuth}. */
export interface MetricsAuthOptions {
  readonly api: Pick<KubeApi, 'review'>;
  readonly logger: Logger;
  /** path is the non-resource URL authorized. @default '/metrics' */
  readonly path?: string;
  readonly now?: () => number;
}

/** MetricsAuth answers whether a request may read /metrics; see the file comment. */
export class MetricsAuth {
  private readonly cache = new Map<string, { at: number; result: RouteResult | undefined }>();
  private readonly now: () => number;

  constructor(private readonly opts: MetricsAuthOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** check returns undefined to serve the request, or the refusal to send (401 or 403). */
  async check(req: IncomingMessage): Promise<RouteResult | undefined> {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m?.[1] === undefined) return { status: 401, body: 'Unauthorized: a bearer token is required\n' };
    const token = m[1];
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < CACHE_TTL_MS) return hit.result;
    const result = await this.review(token);
    // A failed review (the API server unreachable) is not remembered: the next scrape asks again.
    if (result?.status === 500) return result;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, { at: this.now(), result });
    return result;
  }

  private async review(token: string): Promise<RouteResult | undefined> {
    let user: UserInfo | undefined;
    try {
      user = parseTokenReview(await this.opts.api.review(TokenReviewType, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
    } catch (err) {
      this.opts.logger.warn('metrics: TokenReview failed', { error: err instanceof Error ? err.message : String(err) });
      return { status: 500, body: 'Internal Server Error: authentication failed\n' };
    }
    if (user === undefined) return { status: 401, body: 'Unauthorized\n' };
    try {
      const answer = await this.opts.api.review(SubjectAccessReviewType, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          nonResourceAttributes: { path: this.opts.path ?? '/metrics', verb: 'get' },
        },
      });
      const allowed = isRecord(answer) && isRecord(answer.status) && answer.status.allowed === true;
      if (!allowed) return { status: 403, body: `Forbidden: ${user.username} may not get ${this.opts.path ?? '/metrics'}\n` };
      return undefined;
    } catch (err) {
      this.opts.logger.warn('metrics: SubjectAccessReview failed', { error: err instanceof Error ? err.message : String(err) });
      return { status: 500, body: 'Internal Server Error: authorization failed\n' };
    }
  }
}

/** parseTokenReview reads the user of an authenticated TokenReview, or undefined when it is not. */
function parseTokenReview(v: unknown): UserInfo | undefined {
  if (!isRecord(v) || !isRecord(v.status) || v.status.authenticated !== true || !isRecord(v.status.user)) return undefined;
  const u = v.status.user;
  if (typeof u.username !== 'string' || u.username === '') return undefined;
  const groups = Array.isArray(u.groups) ? u.groups.filter((g): g is string => typeof g === 'string') : [];
  const extra: Record<string, string[]> = {};
  if (isRecord(u.extra)) {
    for (const [k, vals] of Object.entries(u.extra)) if (Array.isArray(vals)) extra[k] = vals.filter((x): x is string => typeof x === 'string');
  }
  return { username: u.username, uid: typeof u.uid === 'string' ? u.uid : '', groups, extra };
}
